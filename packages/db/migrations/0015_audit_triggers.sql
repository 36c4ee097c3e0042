-- The audit log's writer: one trigger per audited table, in the transaction of the change.
-- Who made it comes from the transaction-local setting `statuspage.audit` (JSON: type, id, user_id,
-- label, ip, request_id, operation), set by core's audited database when a transaction opens for
-- a request or a job; without it the change is the system's.
-- Arguments: the target type, the key columns (comma-separated, joined with ':' in target_id), then
-- markers per column: '-col' a secret (its value never kept: "[redacted]"), '~col' bookkeeping
-- (an update that changes only such columns is not recorded), '@col' a destination that may be a
-- URL carrying a token (only its scheme and host are kept).
-- The list of audited tables is mirrored by packages/core/src/audit/rules.ts (auditedTables) and
-- checked against pg_trigger by packages/core/test/audit.test.ts.
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ctx jsonb := nullif(current_setting('statuspage.audit', true), '')::jsonb;
  old_row jsonb;
  new_row jsonb;
  subject jsonb;
  secrets text[] := '{}';
  ignored text[] := '{}';
  destinations text[] := '{}';
  marker text;
  col text;
  before jsonb;
  after jsonb;
  changes jsonb := '{}';
  target text;
  i int;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
  subject := coalesce(new_row, old_row);
  FOR i IN 2 .. TG_NARGS - 1 LOOP
    marker := TG_ARGV[i];
    IF left(marker, 1) = '-' THEN secrets := secrets || substr(marker, 2);
    ELSIF left(marker, 1) = '~' THEN ignored := ignored || substr(marker, 2);
    ELSIF left(marker, 1) = '@' THEN destinations := destinations || substr(marker, 2);
    END IF;
  END LOOP;
  FOR col IN SELECT jsonb_object_keys(subject) LOOP
    CONTINUE WHEN col = ANY (ignored);
    before := old_row -> col;
    after := new_row -> col;
    IF TG_OP = 'UPDATE' THEN
      CONTINUE WHEN before IS NOT DISTINCT FROM after;
    ELSE
      CONTINUE WHEN coalesce(before, after) = 'null'::jsonb;
    END IF;
    IF col = ANY (secrets) THEN
      IF before IS NOT NULL AND before <> 'null'::jsonb THEN before := '"[redacted]"'::jsonb; END IF;
      IF after IS NOT NULL AND after <> 'null'::jsonb THEN after := '"[redacted]"'::jsonb; END IF;
    ELSIF col = ANY (destinations) THEN
      IF jsonb_typeof(before) = 'string' AND (before #>> '{}') ~* '^[a-z][a-z0-9+.-]*://' THEN
        before := to_jsonb(regexp_replace(before #>> '{}', '^([a-z][a-z0-9+.-]*://)(?:[^/?#@]*@)?([^/?#]*).*$', '\1\2/…', 'i'));
      END IF;
      IF jsonb_typeof(after) = 'string' AND (after #>> '{}') ~* '^[a-z][a-z0-9+.-]*://' THEN
        after := to_jsonb(regexp_replace(after #>> '{}', '^([a-z][a-z0-9+.-]*://)(?:[^/?#@]*@)?([^/?#]*).*$', '\1\2/…', 'i'));
      END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN
      changes := changes || jsonb_build_object(col, jsonb_build_object('new', after));
    ELSIF TG_OP = 'DELETE' THEN
      changes := changes || jsonb_build_object(col, jsonb_build_object('old', before));
    ELSE
      changes := changes || jsonb_build_object(col, jsonb_build_object('old', before, 'new', after));
    END IF;
  END LOOP;
  IF TG_OP = 'UPDATE' AND changes = '{}'::jsonb THEN
    RETURN NULL;
  END IF;
  SELECT string_agg(subject ->> key, ':' ORDER BY position) INTO target
  FROM unnest(string_to_array(TG_ARGV[1], ',')) WITH ORDINALITY AS keys(key, position);
  INSERT INTO audit_entries
    (actor_type, actor_id, actor_user_id, actor_label, ip, request_id, operation, action, target_type, target_id, changes)
  VALUES (
    coalesce(ctx ->> 'type', 'system'), ctx ->> 'id', (ctx ->> 'user_id')::uuid, ctx ->> 'label', ctx ->> 'ip',
    ctx ->> 'request_id', ctx ->> 'operation', lower(TG_OP), TG_ARGV[0], coalesce(target, ''), changes
  );
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON services FOR EACH ROW EXECUTE FUNCTION audit_row('service', 'id', '~updated_at');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON service_groups FOR EACH ROW EXECUTE FUNCTION audit_row('group', 'id', '~updated_at');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON service_group_members FOR EACH ROW EXECUTE FUNCTION audit_row('group_member', 'group_id,service_id');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON service_tags FOR EACH ROW EXECUTE FUNCTION audit_row('service_tag', 'service_id,key');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON templates FOR EACH ROW EXECUTE FUNCTION audit_row('template', 'id', '~updated_at');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION audit_row('event', 'id', '~updated_at');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON event_updates FOR EACH ROW EXECUTE FUNCTION audit_row('event_update', 'id');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON event_services FOR EACH ROW EXECUTE FUNCTION audit_row('event_service', 'event_id,service_id');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON event_groups FOR EACH ROW EXECUTE FUNCTION audit_row('event_group', 'event_id,group_id');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION audit_row('user', 'id', '-password_hash', '~updated_at');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION audit_row('api_key', 'id', '-secret_hash', '~last_used_at');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON integrations FOR EACH ROW EXECUTE FUNCTION audit_row('integration', 'id', '-secret_hash', '~updated_at');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON subscribers FOR EACH ROW EXECUTE FUNCTION audit_row('subscriber', 'id', '-confirm_token_hash', '-ip_hash', '~last_mail_at', '~updated_at');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON notification_channels FOR EACH ROW EXECUTE FUNCTION audit_row('channel', 'id', '-signing_secret', '@target', '~consecutive_failures', '~updated_at');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON channel_subscriptions FOR EACH ROW EXECUTE FUNCTION audit_row('channel_service', 'channel_id,service_id');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON channel_group_subscriptions FOR EACH ROW EXECUTE FUNCTION audit_row('channel_group', 'channel_id,group_id');
--> statement-breakpoint
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON page_settings FOR EACH ROW EXECUTE FUNCTION audit_row('page_settings', 'id', '~updated_at');
