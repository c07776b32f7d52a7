-- The same 1,000,000 tokens as seed-sqlite.sql, for PostgreSQL.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO users (username, email, name, state, admin, user_type, created_at, updated_at)
SELECT 'user' || i, 'user' || i || '@example.com', 'User ' || i,
       CASE WHEN i % 50 = 0 THEN 'blocked' WHEN i % 97 = 0 THEN 'banned' ELSE 'active' END, false, 0,
       '2026-01-01', '2026-01-01' FROM generate_series(1, 20000) i;
INSERT INTO namespaces (name, path, type, parent_id, created_at, updated_at)
SELECT 'Group ' || i, 'group' || i, 'Group', NULL, '2026-01-01', '2026-01-01' FROM generate_series(1, 200) i;
INSERT INTO namespaces (name, path, type, parent_id, created_at, updated_at)
SELECT 'Group ' || i, 'group' || i, 'Group', (SELECT min(id) FROM namespaces) + (i % 200), '2026-01-01', '2026-01-01' FROM generate_series(201, 1000) i;
INSERT INTO projects (name, path, namespace_id, created_at, updated_at)
SELECT 'Project ' || i, 'project' || i, (SELECT min(id) FROM namespaces) + (i % 1000), '2026-01-01', '2026-01-01' FROM generate_series(1, 3000) i;
INSERT INTO users (username, email, name, state, admin, user_type, created_at, updated_at)
SELECT 'project_' || id || '_bot_' || md5(random()::text), 'project_' || id || '_bot@noreply.example.com', 'bot', 'active', false, 6, '2026-01-01', '2026-01-01' FROM projects;
INSERT INTO users (username, email, name, state, admin, user_type, created_at, updated_at)
SELECT 'group_' || id || '_bot_' || md5(random()::text), 'group_' || id || '_bot@noreply.example.com', 'bot', 'active', false, 6, '2026-01-01', '2026-01-01' FROM namespaces;
INSERT INTO members (source_type, source_id, user_id, access_level, created_at, updated_at)
SELECT CASE WHEN username LIKE 'project%' THEN 'Project' ELSE 'Namespace' END, split_part(username, '_', 2)::bigint, id, 40, '2026-01-01', '2026-01-01'
FROM users WHERE user_type = 6;
CREATE TEMP TABLE humans AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS k, id FROM users WHERE user_type = 0 AND NOT admin;
CREATE TEMP TABLE bots AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS k, id FROM users WHERE user_type = 6;
CREATE INDEX ON humans (k);
CREATE INDEX ON bots (k);
INSERT INTO personal_access_tokens (user_id, name, token_digest, scopes, revoked, impersonation, expires_at, last_used_at, created_at, updated_at)
SELECT CASE WHEN i % 10 = 0 THEN b.id ELSE h.id END,
       'token ' || i, 'digest' || i,
       CASE WHEN i % 2 = 0 THEN '["api"]' ELSE '["read_api","create_runner"]' END,
       i % 20 = 0, i % 100 = 1,
       CASE WHEN i % 10 = 3 THEN NULL WHEN i % 10 = 5 THEN DATE '2027-05-22' ELSE DATE '2026-12-01' + ((i::bigint * 7919) % 730)::int END,
       CASE WHEN i % 3 = 0 THEN TIMESTAMPTZ '2026-11-01 12:00:00+00' END,
       '2026-01-01', '2026-01-01'
FROM generate_series(1, 1000000) i
JOIN humans h ON h.k = i % 20000
JOIN bots b ON b.k = (i / 10) % 4000;
INSERT INTO token_expiry_backfills (personal_access_token_id, expires_at, created_at)
SELECT t.id, t.expires_at, '2026-01-01' FROM personal_access_tokens t JOIN bots b ON b.id = t.user_id
WHERE t.expires_at IS NOT NULL AND (t.id / 10) % 2 = 0;
COMMIT;
VACUUM ANALYZE;
