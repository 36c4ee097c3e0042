import type {
  CreateIntegrationInput,
  Integration,
  IntegrationWithSecret,
  UpdateIntegrationInput,
} from '@statuspage/contracts';
import { hashToken, randomAlphanumeric } from '../shared/crypto';
import { changedColumns } from '../shared/patch';
import { IntegrationErrors } from './errors';
import type { IntegrationDeps } from './ports';
import { DEFAULT_SEVERITY_MAP, SECRET_PREFIX, SECRET_RANDOM_LENGTH, SECRET_SHOWN_LENGTH } from './rules';
import { deleteIntegration, findIntegration, insertIntegration, selectIntegrations, updateIntegration } from './store';
import { toIntegrationDto, withSecret } from './views';

function newSecret() {
  const secret = `${SECRET_PREFIX}${randomAlphanumeric(SECRET_RANDOM_LENGTH)}`;
  return { secret, secretHash: hashToken(secret), secretPrefix: secret.slice(0, SECRET_SHOWN_LENGTH) };
}

/** The new map, or undefined when it holds the same entries (the patch leaves it). */
function unlessSame(wanted: Record<string, string> | undefined, current: Record<string, string>) {
  if (!wanted) return undefined;
  const keys = Object.keys(wanted);
  const same = keys.length === Object.keys(current).length && keys.every((key) => current[key] === wanted[key]);
  return same ? undefined : wanted;
}

/** Lists every integration. */
export async function listIntegrations(deps: IntegrationDeps): Promise<Integration[]> {
  return (await selectIntegrations(deps.db)).map(toIntegrationDto);
}

/** One integration by id. */
export async function getIntegration(deps: IntegrationDeps, id: string): Promise<Integration> {
  const row = await findIntegration(deps.db, id);
  if (!row) throw IntegrationErrors.notFound();
  return toIntegrationDto(row);
}

/** Creates an integration with a new secret, shown only in this answer. */
export function createIntegration(
  deps: IntegrationDeps,
  actorId: string,
  input: CreateIntegrationInput,
): Promise<IntegrationWithSecret> {
  return deps.db.transaction(async (tx) => {
    if (input.template_id) await deps.templates.assertExists(tx, input.template_id);
    const { secret, secretHash, secretPrefix } = newSecret();
    const now = deps.clock();
    const row = await insertIntegration(tx, {
      name: input.name,
      kind: input.kind,
      secretHash,
      secretPrefix,
      serviceLabel: input.service_label,
      serviceMap: input.service_map,
      severityMap: input.severity_map ?? { ...DEFAULT_SEVERITY_MAP },
      defaultStatus: input.default_status,
      openIncidents: input.open_incidents,
      templateId: input.template_id,
      notifySubscribers: input.notify_subscribers,
      createdBy: actorId,
      createdAt: now,
      updatedAt: now,
    });
    return withSecret(row, secret);
  });
}

/** Changes an integration's settings (never its kind or secret). Changing nothing writes nothing. */
export function updateIntegrationSettings(deps: IntegrationDeps, input: UpdateIntegrationInput): Promise<Integration> {
  return deps.db.transaction(async (tx) => {
    const before = await findIntegration(tx, input.id, true);
    if (!before) throw IntegrationErrors.notFound();
    if (input.template_id) await deps.templates.assertExists(tx, input.template_id);
    const changed = changedColumns(before, {
      name: input.name,
      serviceLabel: input.service_label,
      serviceMap: unlessSame(input.service_map, before.serviceMap),
      severityMap: unlessSame(input.severity_map, before.severityMap),
      defaultStatus: input.default_status,
      openIncidents: input.open_incidents,
      templateId: input.template_id,
      notifySubscribers: input.notify_subscribers,
    });
    if (Object.keys(changed).length === 0) return toIntegrationDto(before);
    const row = await updateIntegration(tx, before.id, { ...changed, updatedAt: deps.clock() });
    if (!row) throw IntegrationErrors.notFound();
    return toIntegrationDto(row);
  });
}

/** Replaces the secret (the old one stops working at once); the new one is shown only in this answer. */
export function rotateIntegrationSecret(deps: IntegrationDeps, id: string): Promise<IntegrationWithSecret> {
  return deps.db.transaction(async (tx) => {
    const { secret, secretHash, secretPrefix } = newSecret();
    const row = await updateIntegration(tx, id, { secretHash, secretPrefix, updatedAt: deps.clock() });
    if (!row) throw IntegrationErrors.notFound();
    return withSecret(row, secret);
  });
}

/** Deletes an integration and its alerts; the statuses and incidents it set stay as they are. */
export async function removeIntegration(deps: IntegrationDeps, id: string): Promise<void> {
  if (!(await deps.db.transaction((tx) => deleteIntegration(tx, id)))) throw IntegrationErrors.notFound();
}
