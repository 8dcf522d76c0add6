// Free loopback ports for SIPp peers. A port is handed out only when both UDP
// and TCP could bind it on 127.0.0.1 (SIPp uses the same number for either
// transport), and never twice in one process, so parallel test files and two
// runs of the suite at once do not trip over each other.
import dgram from 'node:dgram';
import net from 'node:net';

export const LOOPBACK = '127.0.0.1';

const handedOut = new Set<number>();

function bindTcp(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => resolve(server));
  });
}

function bindUdp(port: number): Promise<dgram.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind({ address: LOOPBACK, port, exclusive: true }, () => resolve(socket));
  });
}

const closeTcp = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));
const closeUdp = (socket: dgram.Socket) => new Promise<void>((resolve) => socket.close(() => resolve()));

/** One port number free on 127.0.0.1 for both UDP and TCP right now. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = await bindTcp(0);
    if (!tcp) continue;
    const port = (tcp.address() as net.AddressInfo).port;
    const udp = await bindUdp(port);
    await closeTcp(tcp);
    if (!udp) continue;
    await closeUdp(udp);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('could not find a port free for both UDP and TCP on 127.0.0.1');
}

/** Several distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  return ports;
}
