import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { expect } from 'vitest';

/** The first IPv4 address of this machine that is not loopback (to prove a port is not reachable on it). */
export function externalAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
  expect(found, 'a network interface besides loopback').toBeDefined();
  return found?.address ?? '';
}

/** Whether a TCP connection to host:port is accepted. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
