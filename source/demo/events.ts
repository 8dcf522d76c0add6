// What happens in the demo world, as events for whoever shows them (the
// `dispatcher demo` command prints one line each; a console could list them).
export type DemoEvent =
  | { type: 'caller-arrived'; caller: string }
  | { type: 'caller-refused'; caller: string; reason: string }
  | { type: 'station-ringing'; extension: string; caller: string }
  | { type: 'station-stopped-ringing'; extension: string; caller: string }
  | { type: 'answered'; extension: string; caller: string; waitedMs: number | undefined }
  | { type: 'call-ended'; extension: string; caller: string; talkedMs: number; by: 'station' | 'caller' }
  | { type: 'caller-gave-up'; caller: string; waitedMs: number }
  | { type: 'problem'; text: string };

export type DemoEventListener = (event: DemoEvent) => void;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One readable line per event. */
export function describeEvent(e: DemoEvent): string {
  switch (e.type) {
    case 'caller-arrived':
      return `caller ${e.caller} arrived, waiting in the queue`;
    case 'caller-refused':
      return `caller ${e.caller} could not get through: ${e.reason}`;
    case 'station-ringing':
      return `ringing station ${e.extension} for caller ${e.caller}`;
    case 'station-stopped-ringing':
      return `station ${e.extension} stopped ringing for caller ${e.caller}`;
    case 'answered':
      return `station ${e.extension} answered caller ${e.caller}${e.waitedMs === undefined ? '' : ` after ${seconds(e.waitedMs)} in the queue`}`;
    case 'call-ended':
      return `call of caller ${e.caller} with station ${e.extension} ended after ${seconds(e.talkedMs)} (${e.by === 'station' ? 'dispatcher' : 'caller'} hung up)`;
    case 'caller-gave-up':
      return `caller ${e.caller} hung up after waiting ${seconds(e.waitedMs)} (abandoned)`;
    case 'problem':
      return `problem: ${e.text}`;
  }
}
