// Keeps the deployment files honest: docker-compose.yml, the Dockerfile, the
// root Makefile and the GitHub workflow are checked against the repository
// (scripts, files, routes) and the configuration schemas, so none of them can
// silently rot. There is no Docker engine here: `docker-compose config` (the
// Debian v1 binary validates offline) runs when it is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvSchema } from '@statuspage/api/env';
import type { ApiServer } from '@statuspage/api/server';
import { WorkerEnvSchema } from '@statuspage/worker/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { startTestApi } from './support/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const readJson = (file: string) => JSON.parse(read(file)) as Record<string, any>;

const rootPackage = readJson('package.json');
const rootScripts = rootPackage.scripts as Record<string, string>;
const pnpmVersion = String(rootPackage.packageManager).replace(/^pnpm@/, '');

/** Workspace packages by name (those of pnpm-workspace.yaml's `<folder>/*` globs): their folder and package.json. */
const workspace = new Map<string, { dir: string; manifest: Record<string, any> }>();
for (const glob of (YAML.parse(read('pnpm-workspace.yaml')) as { packages: string[] }).packages) {
  const group = /^([\w.-]+)\/\*$/.exec(glob)?.[1];
  if (!group) throw new Error(`pnpm-workspace.yaml: ${glob} is not a <folder>/* glob`);
  for (const entry of readdirSync(path.join(root, group))) {
    const file = path.join(group, entry, 'package.json');
    if (!existsSync(path.join(root, file))) continue;
    const manifest = readJson(file);
    workspace.set(manifest.name, { dir: path.join(group, entry), manifest });
  }
}

function hasBinary(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return !result.error && result.status === 0;
}

// ---- docker-compose.yml ------------------------------------------------------

type Service = {
  image?: string;
  restart?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  command?: string[] | string;
  environment?: Record<string, unknown> | string[];
  ports?: string[];
  expose?: (string | number)[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
};
const compose = YAML.parse(read('docker-compose.yml')) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/**
 * Compose interpolation as with a shell environment holding `shell` only: `${X:-default}` → default,
 * `${X:?message}` (required) → the shell's value, or '' (compose would stop with the message).
 */
function interpolate(value: string, shell: Record<string, string> = {}): string {
  return value
    .replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])([^}]*))?\}/g,
      (_match, name: string, operator: string | undefined, fallback: string | undefined) =>
        shell[name] ?? (operator === '?' ? '' : (fallback ?? '')),
    )
    .replace(/\$\$/g, '$');
}

/** What an operator puts in `.env` for the variables the compose file requires. */
const dotEnv = { APP_SECRET: 'Zk3q9V0pX7m2Lr8sT4yW1nB6cJ5hF0dQ' };

/** A service's environment, interpolated with `.env`; empty values dropped as loadEnv drops them. */
function environment(name: string, shell: Record<string, string> = dotEnv): Record<string, string> {
  const raw = service(name).environment ?? {};
  const entries = Array.isArray(raw)
    ? raw.map((line) => [line.split('=')[0] ?? '', line.split('=').slice(1).join('=')] as const)
    : Object.entries(raw).map(([key, value]) => [key, value === null ? '' : String(value)] as const);
  return Object.fromEntries(
    entries.map(([key, value]) => [key, interpolate(value, shell)] as const).filter(([, value]) => value !== ''),
  );
}

function environmentKeys(name: string): string[] {
  const raw = service(name).environment ?? {};
  return Array.isArray(raw) ? raw.map((line) => line.split('=')[0] ?? '') : Object.keys(raw);
}

const words = (command: string[] | string | undefined) =>
  command === undefined ? [] : Array.isArray(command) ? command : command.split(/\s+/).filter(Boolean);

/** Container ports published on the host (`host:container` or `container`). */
const publishedPorts = (svc: Service) =>
  (svc.ports ?? []).map((spec) => Number(interpolate(String(spec)).split('/')[0]?.split(':').at(-1)));
const exposedPorts = (svc: Service) => (svc.expose ?? []).map((port) => Number(port));

// ---- Dockerfile ----------------------------------------------------------------

type Instruction = { op: string; args: string };
type Stage = { name: string; from: string; instructions: Instruction[] };

/** Stages of a Dockerfile, with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const instruction = { op: op.toUpperCase(), args: rest.join(' ') };
    if (instruction.op === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({ from: match?.[1] ?? '', name: match?.[2] ?? String(stages.length), instructions: [] });
    } else if (stages.length === 0 && instruction.op === 'ARG') {
      const [key = '', value = ''] = instruction.args.split('=');
      args.set(key, value);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

function stageOf(dockerfile: ReturnType<typeof parseDockerfile>, name: string): Stage {
  const stage = dockerfile.stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  return stage;
}

/** The last value of an instruction in a stage or the stages it is built FROM. */
function inherited(dockerfile: ReturnType<typeof parseDockerfile>, name: string, op: string): string | undefined {
  const stage = dockerfile.stages.find((candidate) => candidate.name === name);
  if (!stage) return undefined;
  const own = stage.instructions.filter((instruction) => instruction.op === op).at(-1);
  return own?.args ?? inherited(dockerfile, stage.from, op);
}

const execForm = (args: string) => JSON.parse(args) as string[];

// The services built from this repository, and the workspace package each image runs.
const builtServices = Object.entries(services).filter(([, svc]) => svc.build);
const dockerfiles = new Map(
  builtServices.map(([, svc]) => {
    const file = path.join(svc.build?.context ?? '.', svc.build?.dockerfile ?? 'Dockerfile');
    return [file, existsSync(path.join(root, file)) ? parseDockerfile(read(file)) : undefined] as const;
  }),
);

/** The workspace package a runtime stage holds: `COPY --from=… /out/x` of `pnpm --filter <pkg> deploy … /out/x`. */
function packageOfStage(dockerfile: ReturnType<typeof parseDockerfile>, target: string) {
  const copy = stageOf(dockerfile, target).instructions.find(
    (instruction) => instruction.op === 'COPY' && instruction.args.startsWith('--from='),
  );
  const source = copy?.args.split(/\s+/)[1];
  const deploys = dockerfile.stages
    .flatMap((stage) => stage.instructions)
    .filter((instruction) => instruction.op === 'RUN')
    .flatMap((instruction) => [
      ...instruction.args.matchAll(/pnpm --filter (\S+) deploy ([^&;]*?)(\S+)(?=\s*(?:&&|;|$))/g),
    ]);
  const deploy = deploys.find((match) => match[3] === source);
  return { source, packageName: deploy?.[1], deployFlags: deploy?.[2] ?? '' };
}

function serviceImage(name: string) {
  const svc = service(name);
  const build = svc.build;
  if (!build?.target) throw new Error(`${name} is not built from a Dockerfile target`);
  const file = path.join(build.context, build.dockerfile ?? 'Dockerfile');
  const dockerfile = dockerfiles.get(file);
  if (!dockerfile) throw new Error(`${file} is missing`);
  const { packageName, deployFlags } = packageOfStage(dockerfile, build.target);
  const pkg = packageName ? workspace.get(packageName) : undefined;
  if (!pkg) throw new Error(`stage ${build.target} of ${file} holds no workspace package`);
  return { dockerfile, target: build.target, pkg, packageName, deployFlags };
}

describe('docker-compose.yml', () => {
  it('runs the whole stack: PostgreSQL 16, Redis 7, Mailpit, migrate, api and worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'mailpit', 'migrate', 'postgres', 'redis', 'worker']);
    expect(service('postgres').image).toMatch(/^postgres:16(\D|$)/);
    expect(service('redis').image).toMatch(/^redis:7(\D|$)/);
    expect(service('mailpit').image).toMatch(/^axllent\/mailpit/);
  });

  it('keeps PostgreSQL and Redis data in declared volumes and gives every dependency a healthcheck', () => {
    for (const name of ['postgres', 'redis']) {
      const named = (service(name).volumes ?? []).map((volume) => volume.split(':')[0] ?? '');
      expect(named.length, name).toBeGreaterThan(0);
      for (const volume of named) expect(Object.keys(compose.volumes ?? {}), name).toContain(volume);
    }
    for (const name of ['postgres', 'redis', 'mailpit', 'api']) {
      expect(service(name).healthcheck?.test, name).toBeDefined();
    }
  });

  it('starts api and worker after healthy dependencies and a completed migration', () => {
    const expected: Record<string, Record<string, string>> = {
      migrate: { postgres: 'service_healthy' },
      api: { postgres: 'service_healthy', redis: 'service_healthy', migrate: 'service_completed_successfully' },
      worker: {
        postgres: 'service_healthy',
        redis: 'service_healthy',
        mailpit: 'service_healthy',
        migrate: 'service_completed_successfully',
      },
    };
    for (const [name, dependencies] of Object.entries(expected)) {
      const dependsOn = service(name).depends_on as Record<string, { condition: string }>;
      for (const [dependency, condition] of Object.entries(dependencies)) {
        expect(dependsOn[dependency]?.condition, `${name} → ${dependency}`).toBe(condition);
        if (condition === 'service_healthy') expect(service(dependency).healthcheck, dependency).toBeDefined();
      }
    }
    expect(service('migrate').restart ?? 'no').toBe('no');
  });

  it('builds from existing contexts, Dockerfiles and targets', () => {
    expect(builtServices.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
    for (const [name, svc] of builtServices) {
      const context = svc.build?.context ?? '.';
      expect(existsSync(path.join(root, context)), `${name}: context ${context}`).toBe(true);
      const file = path.join(context, svc.build?.dockerfile ?? 'Dockerfile');
      const dockerfile = dockerfiles.get(file);
      expect(dockerfile, `${name}: ${file}`).toBeDefined();
      expect(
        dockerfile?.stages.map((stage) => stage.name),
        `${name}: target`,
      ).toContain(svc.build?.target);
    }
  });

  it("runs each image's own script: node dist/main.js is the app's start script, migrate is db's migrate", () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const { dockerfile, target, pkg } = serviceImage(name);
      const command = words(service(name).command);
      const cmd = inherited(dockerfile, target, 'CMD');
      expect(cmd, `${name}: CMD`).toBeDefined();
      // The compose command is the image's CMD (or absent).
      if (command.length > 0) expect(command, name).toEqual(execForm(cmd ?? '[]'));
      const [program, ...args] = command.length > 0 ? command : execForm(cmd ?? '[]');
      const scripts = pkg.manifest.scripts as Record<string, string>;
      if (program === 'node') {
        expect(scripts.start, `${name}: ${pkg.manifest.name} start`).toBe(`node ${args.join(' ')}`);
        // dist/main.js is the bundle of the tsup entry.
        expect(read(path.join(pkg.dir, 'tsup.config.ts'))).toContain("entry: ['src/main.ts']");
        expect(existsSync(path.join(root, pkg.dir, 'src/main.ts')), name).toBe(true);
        expect(scripts.build, name).toBe('tsup');
      } else {
        expect([program, args[0]], name).toEqual(['npm', 'run']);
        const script = scripts[args[1] ?? ''];
        expect(script, `${name}: ${pkg.manifest.name} script ${args[1]}`).toBeDefined();
        // Every file the script runs exists in the package.
        for (const file of (script ?? '').split(/\s+/).filter((word) => /\.(ts|js|mjs)$/.test(word))) {
          expect(existsSync(path.join(root, pkg.dir, file)), `${name}: ${file}`).toBe(true);
        }
      }
    }
    // The migrate service runs what `pnpm db:migrate` runs.
    const migrate = serviceImage('migrate');
    expect(rootScripts['db:migrate']).toBe(`pnpm --filter ${migrate.packageName} run migrate`);
    expect(words(service('migrate').command)).toEqual(['npm', 'run', 'migrate']);
  });

  it("ships @statuspage/db's migrations in every image (the bundles resolve them through the package)", () => {
    const db = workspace.get('@statuspage/db');
    expect(db).toBeDefined();
    const migrations = readdirSync(path.join(root, db?.dir ?? '', 'migrations')).filter((file) =>
      file.endsWith('.sql'),
    );
    expect(migrations.length).toBeGreaterThan(0);
    // `pnpm deploy` copies what `pnpm pack` would: a `files` list must keep migrations/.
    const files = db?.manifest.files as string[] | undefined;
    if (files) expect(files.some((entry) => entry.replace(/^\.\//, '').startsWith('migrations'))).toBe(true);
    expect(db?.manifest.exports['./package.json']).toBe('./package.json');
    for (const name of ['api', 'worker', 'migrate']) {
      const { pkg, packageName, deployFlags } = serviceImage(name);
      expect(deployFlags, `${name}: production dependencies only`).toContain('--prod');
      if (packageName !== '@statuspage/db') {
        expect(pkg.manifest.dependencies['@statuspage/db'], name).toBe('workspace:*');
      }
    }
  });

  it("sets only variables of the api's configuration schema, and every one the stack needs", () => {
    const known = Object.keys(EnvSchema.shape);
    for (const key of environmentKeys('api')) expect(known, `api: ${key}`).toContain(key);
    const env = environment('api');
    for (const key of ['DATABASE_URL', 'REDIS_URL', 'APP_SECRET', 'NOTIFICATIONS_BASE_URL', 'COOKIE_SECURE']) {
      expect(env[key], `api: ${key}`).toBeDefined();
    }
    const parsed = EnvSchema.safeParse(env);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it("sets only variables of the worker's configuration schema, and every one it requires", () => {
    const known = Object.keys(WorkerEnvSchema.shape);
    for (const key of environmentKeys('worker')) expect(known, `worker: ${key}`).toContain(key);
    const required = (WorkerEnvSchema.safeParse({}).error?.issues ?? []).map((issue) => String(issue.path[0]));
    expect(required).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL']));
    const env = environment('worker');
    for (const key of [...required, 'APP_SECRET', 'NOTIFICATIONS_BASE_URL', 'NOTIFICATIONS_EMAIL_SMTP_HOST']) {
      expect(env[key], `worker: ${key}`).toBeDefined();
    }
    const parsed = WorkerEnvSchema.safeParse(env);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('ships no APP_SECRET: api and worker require one from the shell or .env, and refuse a development one', () => {
    for (const name of ['api', 'worker']) {
      const raw = (service(name).environment as Record<string, string>).APP_SECRET;
      expect(raw, name).toMatch(/^\$\{APP_SECRET:\?[^}]+\}$/);
      expect(environment(name, {}).APP_SECRET, name).toBeUndefined();
    }
    // The images run with NODE_ENV=production (Dockerfile): what each would say without a secret, or the old default.
    for (const secret of [{}, { APP_SECRET: 'compose-development-secret-change-me' }] as Record<string, string>[]) {
      const api = EnvSchema.safeParse({ ...environment('api', secret), NODE_ENV: 'production' });
      const worker = WorkerEnvSchema.safeParse({ ...environment('worker', secret), NODE_ENV: 'production' });
      for (const parsed of [api, worker]) {
        expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['APP_SECRET']);
      }
    }
  });

  it('wires api, worker and migrate to the same database, Redis, secret, public URL and webhook networks', () => {
    const api = environment('api');
    const worker = environment('worker');
    const migrate = environment('migrate');
    expect(worker.DATABASE_URL).toBe(api.DATABASE_URL);
    expect(migrate.DATABASE_URL).toBe(api.DATABASE_URL);
    expect(worker.REDIS_URL).toBe(api.REDIS_URL);
    expect(worker.APP_SECRET).toBe(api.APP_SECRET);
    expect(worker.NOTIFICATIONS_BASE_URL).toBe(api.NOTIFICATIONS_BASE_URL);
    for (const name of ['api', 'worker']) {
      expect(service(name).environment, name).toMatchObject({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's syntax for the host's value
        NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: '${NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS:-}',
      });
    }

    const postgres = environment('postgres');
    const database = new URL(api.DATABASE_URL ?? '');
    expect(database.hostname).toBe('postgres');
    expect(database.port).toBe('5432');
    expect(decodeURIComponent(database.username)).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(database.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(database.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    const redis = new URL(api.REDIS_URL ?? '');
    expect([redis.hostname, redis.port]).toEqual(['redis', '6379']);
  });

  it("sends the worker's mail to Mailpit (SMTP 1025, UI 8025)", () => {
    const worker = WorkerEnvSchema.parse(environment('worker'));
    expect(worker.NOTIFICATIONS_EMAIL_SMTP_HOST).toBe('mailpit');
    expect(worker.NOTIFICATIONS_EMAIL_SMTP_PORT).toBe(1025);
    expect(exposedPorts(service('mailpit'))).toContain(1025);
    expect(publishedPorts(service('mailpit'))).toContain(8025);
  });

  it('publishes the mail catcher on the host loopback only (it shows every mail, reset links included)', () => {
    const specs = (service('mailpit').ports ?? []).map((spec) => interpolate(String(spec)));
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) expect(spec, spec).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('has api and worker listen for Prometheus on the compose network, on ports it does not publish', () => {
    const api = EnvSchema.parse(environment('api'));
    const worker = WorkerEnvSchema.parse(environment('worker'));
    // The schemas default to loopback; inside a container that would hide /metrics from Prometheus.
    expect(EnvSchema.parse({}).SERVER_METRICS_HOST).toBe('127.0.0.1');
    expect(WorkerEnvSchema.shape.WORKER_METRICS_HOST.parse(undefined)).toBe('127.0.0.1');
    expect(api.SERVER_METRICS_HOST).toBe('0.0.0.0');
    expect(worker.WORKER_METRICS_HOST).toBe('0.0.0.0');
    expect(exposedPorts(service('worker'))).toContain(worker.WORKER_METRICS_PORT);
    expect(publishedPorts(service('worker'))).not.toContain(worker.WORKER_METRICS_PORT);
    expect(publishedPorts(service('api'))).not.toContain(api.SERVER_METRICS_PORT);
  });

  it('publishes the api port, keeps the metrics port internal, and matches the schema and the image', () => {
    const env = EnvSchema.parse(environment('api'));
    expect(env.SERVER_PORT).toBe(8080);
    expect(env.SERVER_METRICS_PORT).toBe(9090);
    const api = service('api');
    expect(publishedPorts(api)).toEqual([env.SERVER_PORT]);
    expect(exposedPorts(api)).toContain(env.SERVER_METRICS_PORT);
    expect(publishedPorts(api)).not.toContain(env.SERVER_METRICS_PORT);
    const { dockerfile, target } = serviceImage('api');
    const exposed = stageOf(dockerfile, target)
      .instructions.filter((instruction) => instruction.op === 'EXPOSE')
      .flatMap((instruction) => instruction.args.split(/\s+/).map(Number));
    expect(exposed.sort()).toEqual([env.SERVER_PORT, env.SERVER_METRICS_PORT].sort());
  });

  describe('api healthcheck', () => {
    let api: ApiServer;
    beforeAll(async () => {
      api = await startTestApi();
    });
    afterAll(() => api.close());

    it('asks /readyz on the api port, and the route answers 200 there', async () => {
      const test = words(service('api').healthcheck?.test).join(' ');
      const url = /https?:\/\/[^'"\s]+/.exec(test)?.[0];
      expect(url, test).toBeDefined();
      const target = new URL(url ?? '');
      expect(target.pathname).toBe('/readyz');
      expect(Number(target.port)).toBe(EnvSchema.parse(environment('api')).SERVER_PORT);
      const response = await fetch(new URL(target.pathname, api.url));
      expect(response.status).toBe(200);
      // The image's own HEALTHCHECK asks the same route.
      const { dockerfile, target: stage } = serviceImage('api');
      expect(inherited(dockerfile, stage, 'HEALTHCHECK')).toContain('/readyz');
    });
  });
  // `docker-compose config` (Debian's v1, offline) runs in .ci/run, which installs it when missing.
});

describe('Dockerfile', () => {
  const file = 'Dockerfile';
  const dockerfile = parseDockerfile(read(file));
  const runtimeTargets = builtServices.map(([, svc]) => svc.build?.target ?? '');

  it('runs every image as a non-root user', () => {
    for (const target of runtimeTargets) {
      const user = inherited(dockerfile, target, 'USER');
      expect(user, `${target}: USER`).toBeDefined();
      expect(['root', '0', '0:0', 'root:root'], target).not.toContain(user);
    }
  });

  it('builds on a slim Node LTS image with the pinned pnpm, from the lockfile, with turbo', () => {
    const nodeVersion = Number(dockerfile.args.get('NODE_VERSION'));
    expect(nodeVersion % 2, 'an even (LTS) Node line').toBe(0);
    expect(nodeVersion).toBeGreaterThanOrEqual(20);
    for (const stage of dockerfile.stages) {
      if (dockerfile.stages.some((other) => other.name === stage.from)) continue;
      expect(stage.from, stage.name).toMatch(/^node:\$\{NODE_VERSION\}-\S*slim$/);
    }
    expect(dockerfile.args.get('PNPM_VERSION')).toBe(pnpmVersion);
    const runs = dockerfile.stages.flatMap((stage) => stage.instructions).filter((i) => i.op === 'RUN');
    const commands = runs.map((run) => run.args).join('\n');
    expect(commands).toMatch(/npm install -g "pnpm@\$\{PNPM_VERSION\}"/);
    expect(commands).toContain('pnpm install --frozen-lockfile');
    expect(commands).toMatch(/turbo run build/);
    // The production stages hold no toolchain: only a COPY --from the build stage.
    for (const target of runtimeTargets) {
      const ops = stageOf(dockerfile, target).instructions.map((instruction) => instruction.op);
      expect(ops, target).not.toContain('RUN');
    }
  });

  it('copies only files that exist and that .dockerignore keeps in the context', () => {
    const ignored = read('.dockerignore')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toContain('**/node_modules');
    const copies = dockerfile.stages
      .flatMap((stage) => stage.instructions)
      .filter((instruction) => instruction.op === 'COPY' && !instruction.args.startsWith('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect(existsSync(path.join(root, source)), source).toBe(true);
        expect(ignored, source).not.toContain(source);
      }
    }
    // Every workspace package's manifest is copied before the install.
    for (const { dir } of workspace.values()) {
      expect(copies.map((copy) => copy.args)).toContain(`${dir}/package.json ${dir}/`);
    }
  });
});

// ---- Makefile ------------------------------------------------------------------

describe('Makefile', () => {
  const makefile = read('Makefile');
  const targets = [
    'help',
    'dev',
    'docker-up',
    'test',
    'test-unit',
    'test-int',
    'lint',
    'build',
    'migrate-up',
    'migrate-create',
  ];
  const documented = [...makefile.matchAll(/^([a-z][a-z-]*):.*## (.+)$/gm)].map((match) => match[1]);
  const aliases: Record<string, string> = {
    dev: 'pnpm dev',
    'docker-up': 'docker compose up -d --build',
    test: 'pnpm test',
    'test-unit': 'pnpm test:unit',
    'test-int': 'pnpm test:int',
    lint: 'pnpm lint',
    build: 'pnpm build',
    'migrate-up': 'pnpm db:migrate',
    'migrate-create': 'pnpm db:generate --name add_things',
  };
  const make = hasBinary('make', ['--version']);

  /** The commands a target runs (`make -n`), or its recipe lines without make. */
  function commandsOf(target: string): string[] {
    if (make) {
      const result = spawnSync('make', ['-s', '-n', target, 'NAME=add_things'], { cwd: root, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout.split('\n').filter(Boolean);
    }
    const body = new RegExp(`^${target}:.*\\n((?:\\t.*\\n?)*)`, 'm').exec(makefile)?.[1] ?? '';
    return body
      .split('\n')
      .map((line) =>
        line.replace(/^\t@?/, '').replaceAll('$(NAME)', 'add_things').replaceAll('$(COMPOSE)', 'docker compose'),
      )
      .filter(Boolean);
  }

  it('documents every target, and help is the default', () => {
    expect(documented.sort()).toEqual([...targets].sort());
    expect(makefile).toMatch(/^\.DEFAULT_GOAL := help$/m);
  });

  it.runIf(make)('`make help` lists each target and says migrations are forward-only and how to roll back', () => {
    const result = spawnSync('make', ['-s'], { cwd: root, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    for (const target of targets) expect(result.stdout).toMatch(new RegExp(`^\\s+${target}\\s+\\S`, 'm'));
    expect(result.stdout).toContain('forward-only');
    expect(result.stdout).toMatch(/restore a database backup/);
    expect(result.stdout).toMatch(/new migration/);
  });

  it('each target is a thin alias of an existing script', () => {
    for (const [target, expected] of Object.entries(aliases)) {
      const commands = commandsOf(target).filter((line) => !line.startsWith('test -n'));
      expect(commands, target).toEqual([expected]);
      const [tool, script] = expected.split(' ');
      if (tool === 'pnpm') expect(rootScripts[script ?? ''], `${target}: pnpm ${script}`).toBeDefined();
      else expect(existsSync(path.join(root, 'docker-compose.yml'))).toBe(true);
    }
    // migrate-create passes the name on to drizzle-kit.
    expect(rootScripts['db:generate']).toBe('pnpm --filter @statuspage/db run generate');
    expect(workspace.get('@statuspage/db')?.manifest.scripts.generate).toBe('drizzle-kit generate');
  });

  it.runIf(make)('migrate-create refuses to run without NAME', () => {
    const result = spawnSync('make', ['-s', 'migrate-create'], { cwd: root, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('NAME=');
  });

  it('test:unit and test:int run the tests of existing packages, together all of them', () => {
    const filters = (script: string) => [...(rootScripts[script] ?? '').matchAll(/--filter=(\S+)/g)].map((m) => m[1]);
    const unit = filters('test:unit');
    const integration = filters('test:int');
    for (const name of [...unit, ...integration]) {
      expect(workspace.get(name ?? '')?.manifest.scripts.test, `${name}: test script`).toBeDefined();
    }
    const tested = [...workspace.entries()].filter(([, pkg]) => pkg.manifest.scripts.test).map(([name]) => name);
    expect([...unit, ...integration].sort()).toEqual(tested.sort());
  });
});

// ---- .github/workflows/ci.yml ---------------------------------------------------

describe('.github/workflows/ci.yml', () => {
  const workflow = YAML.parse(read('.github/workflows/ci.yml')) as {
    env: Record<string, string>;
    jobs: Record<string, { services: Record<string, { image: string }>; steps: { run?: string; uses?: string }[] }>;
  };
  const jobs = Object.values(workflow.jobs);
  const steps = jobs.flatMap((job) => job.steps);
  const runs = steps.flatMap((step) => (step.run ?? '').split('\n')).map((line) => line.trim());

  it('uses Node 22, the pinned pnpm, and PostgreSQL 16 and Redis 7 service containers', () => {
    expect(workflow.env.NODE_VERSION).toBe('22');
    expect(workflow.env.PNPM_VERSION).toBe(pnpmVersion);
    const images = jobs.flatMap((job) => Object.values(job.services ?? {}).map((svc) => svc.image));
    expect(images).toEqual(
      expect.arrayContaining([expect.stringMatching(/^postgres:16/), expect.stringMatching(/^redis:7/)]),
    );
  });

  it('points the tests at the service containers with the variables they read', () => {
    expect(read('packages/db/src/testing.ts')).toContain('process.env.TEST_DATABASE_URL');
    expect(read('apps/api/test/support/api.ts')).toContain('process.env.TEST_REDIS_URL');
    expect(new URL(workflow.env.TEST_DATABASE_URL ?? '').port).toBe('5432');
    expect(new URL(workflow.env.TEST_REDIS_URL ?? '').port).toBe('6379');
  });

  it('runs the same pnpm steps as .ci/run, each an existing script', () => {
    const pnpmCommands = (lines: string[]) =>
      lines
        .map((line) => /(?:^|&&\s*|\s)pnpm (\S+)/.exec(line.replace(/^\S+=\S+\s+/, ''))?.[1])
        .filter((command): command is string => /^[a-z][\w:-]*$/.test(command ?? ''));
    const local = pnpmCommands(
      read('.ci/run')
        .split('\n')
        .map((line) => line.trim()),
    );
    const ci = pnpmCommands(runs);
    expect(local.length).toBeGreaterThan(0);
    for (const command of local) expect(ci, `.ci/run runs pnpm ${command}`).toContain(command);
    for (const command of ci) {
      if (command !== 'install' && command !== 'store') expect(rootScripts[command], `pnpm ${command}`).toBeDefined();
    }
    expect(runs).toContain('pnpm install --frozen-lockfile');
  });
});
