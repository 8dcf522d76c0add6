// Chance in the demo: delays drawn from ranges, arrivals as a Poisson process.
export type Random = () => number;

/** A whole number of milliseconds in [min, max]. */
export function between(random: Random, range: readonly [number, number]): number {
  const [min, max] = range;
  return Math.round(min + random() * (max - min));
}

/** Time to the next arrival of a Poisson process with `perMinute` arrivals a minute. */
export function nextArrivalMs(random: Random, perMinute: number): number {
  return Math.round((-Math.log(1 - random()) * 60_000) / perMinute);
}
