import { startBenchApi } from './support.mts';
const api = await startBenchApi();
const login = await fetch(`${api.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@example.com', password: 'admin123' }) });
const token = (await login.json()).data.access_token;
const services = (await (await fetch(`${api.url}/api/v1/services`)).json()).data;
console.log('services', services.length);
const s = services[0];
await fetch(`${api.url}/`);
const { Session } = await import('node:inspector/promises');
const session = new Session(); session.connect();
await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const times: number[] = [];
for (let i = 0; i < Number(process.env.N ?? 40); i++) {
  await fetch(`${api.url}/api/v1/services/${s.slug}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: s.name, slug: s.slug, status: i % 2 ? 'operational' : 'degraded' }) });
  const t0 = performance.now();
  await (await fetch(`${api.url}/`, { headers: { 'accept-language': 'en' } })).arrayBuffer();
  times.push(performance.now() - t0);
}
const { profile } = await session.post('Profiler.stop');
(await import('node:fs')).writeFileSync('/tmp/page.cpuprofile', JSON.stringify(profile));
times.sort((a, b) => a - b);
console.log('median render', times[times.length >> 1].toFixed(1), 'ms');
await api.close(); process.exit(0);
