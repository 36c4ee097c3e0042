/**
 * The reference of `bench/uncached-reads.mts`: the api's stack without the api — Express 5 + tRPC +
 * trpc-to-openapi with the contracts' zod output schemas — whose procedures each run one prepared
 * postgres.js query returning the rows of the api's answer, with no authentication and no other
 * middleware. Here (not in bench/) so that its packages resolve from the api's dependencies.
 */

import type { AddressInfo } from 'node:net';
import {
  EventDetailResponse,
  EventsResponse,
  ServicesResponse,
  StatusLogResponse,
  UsersListResponse,
} from '@statuspage/contracts';
import { initTRPC } from '@trpc/server';
import { PgDialect } from 'drizzle-orm/pg-core';
import express from 'express';
import postgres from 'postgres';
import { createOpenApiExpressMiddleware, type OpenApiMeta } from 'trpc-to-openapi';
import { z } from 'zod';
import { worstActiveStatusesSql } from '../../../packages/core/src/events/store';

/** Starts the reference on a free loopback port; `close()` stops it and its pool. */
export async function startReadsReference(databaseUrl: string) {
  const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });
  const reference = express();
  const dialect = new PgDialect();
  // The services' worst status in their active events: the same derived table the api joins.
  const activeStatuses = dialect.sqlToQuery(worstActiveStatusesSql()).sql;
  /** Timestamps as ISO strings: the rest of a row is already its wire form. */
  const wire = (row: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) out[key] = value instanceof Date ? value.toISOString() : value;
    return out;
  };
  const eventColumns = `e.id, e.title, e.type, e.status, e.severity, e.description, e.started_at, e.resolved_at,
    e.scheduled_start_at, e.scheduled_end_at, e.notify_subscribers, e.template_id, e.created_by,
    array(select es.service_id from event_services es where es.event_id = e.id order by es.service_id) as service_ids,
    array(select eg.group_id from event_groups eg where eg.event_id = e.id order by eg.group_id) as group_ids,
    e.created_at, e.updated_at`;
  const t = initTRPC.meta<OpenApiMeta>().create();
  const referenceRouter = t.router({
    events: t.procedure
      .meta({ openapi: { method: 'GET', path: '/v1/events' } })
      .input(z.object({ type: z.enum(['incident', 'maintenance']).optional() }))
      .output(EventsResponse)
      .query(async ({ input }) => {
        const rows = await sql.unsafe(
          `select ${eventColumns} from events e where ($1::text is null or e.type::text = $1)
           order by e.created_at desc, e.id desc`,
          [input.type ?? null],
          { prepare: true },
        );
        return { data: rows.map(wire) as never };
      }),
    event: t.procedure
      .meta({ openapi: { method: 'GET', path: '/v1/events/{id}' } })
      .input(z.object({ id: z.guid() }))
      .output(EventDetailResponse)
      .query(async ({ input }) => {
        const [row] = await sql.unsafe(
          `select ${eventColumns}, (select coalesce(json_agg(json_build_object('id', u.id, 'event_id', u.event_id,
             'status', u.status, 'message', u.message, 'notify_subscribers', u.notify_subscribers,
             'created_by', u.created_by, 'created_at', u.created_at) order by u.created_at desc, u.id desc), '[]')
             from event_updates u where u.event_id = e.id) as updates
           from events e where e.id = $1`,
          [input.id],
          { prepare: true },
        );
        return { data: wire(row ?? {}) as never };
      }),
    statusLog: t.procedure
      .meta({ openapi: { method: 'GET', path: '/v1/services/{slug}/status-log' } })
      .input(z.object({ slug: z.string() }))
      .output(StatusLogResponse)
      .query(async ({ input }) => {
        const rows = await sql.unsafe(
          `select l.id, l.service_id, l.old_status, l.new_status, l.source_type, l.event_id, l.reason, l.created_by,
             l.integration_id, l.created_at, count(*) over () as total
           from service_status_log l join services s on s.id = l.service_id
           where s.slug = $1 order by l.created_at desc, l.id desc limit 50`,
          [input.slug],
          { prepare: true },
        );
        const total = Number(rows[0]?.total ?? 0);
        const entries = rows.map(({ total: _, ...row }) => wire(row));
        return { data: { entries, total, limit: 50, offset: 0 } as never };
      }),
    users: t.procedure
      .meta({ openapi: { method: 'GET', path: '/v1/users' } })
      .input(z.object({}))
      .output(UsersListResponse)
      .query(async () => {
        const rows = await sql.unsafe(
          `select id, email, first_name, last_name, role, is_active, must_change_password, created_at, updated_at,
             count(*) over () as total from users order by created_at, id limit 50`,
          [],
          { prepare: true },
        );
        const total = Number(rows[0]?.total ?? 0);
        return { data: { users: rows.map(({ total: _, ...row }) => wire(row)), total, limit: 50, offset: 0 } as never };
      }),
    services: t.procedure
      .meta({ openapi: { method: 'GET', path: '/v1/services' } })
      .input(z.object({}))
      .output(ServicesResponse)
      .query(async () => {
        const rows = await sql.unsafe(
          `select s.id, s.name, s.slug, s.description, s.status, coalesce(a.worst_status, s.status) as effective_status,
             (a.service_id is not null) as has_active_events, coalesce(g.group_ids, '{}') as group_ids,
             s."order", s.created_at, s.updated_at, s.archived_at
           from services s
           left join ${activeStatuses} a on a.service_id = s.id
           left join (select m.service_id, array_agg(m.group_id) as group_ids from service_group_members m
             group by m.service_id) g on g.service_id = s.id
           where s.archived_at is null order by s."order", s.name, s.id`,
          [],
          { prepare: true },
        );
        return { data: rows.map(wire) as never };
      }),
  });
  reference.use('/api', createOpenApiExpressMiddleware({ router: referenceRouter, createContext: () => ({}) }));
  const server = reference.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.close();
      await sql.end({ timeout: 5 });
    },
  };
}
