-- 1,000,000 tokens for the toolkit benchmark (SQLite). Shapes: 20,000 people (2% blocked, ~1% banned),
-- 1,000 groups (200 top-level), 3,000 projects, a bot per project and per group, 1% impersonation
-- tokens, 5% revoked, 10% without expiry, 100,000 tokens on one "backfill" date (2027-05-22) and the
-- rest spread over two years.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO users (username, email, name, state, admin, user_type, created_at, updated_at)
SELECT 'user' || i, 'user' || i || '@example.com', 'User ' || i,
       CASE WHEN i % 50 = 0 THEN 'blocked' WHEN i % 97 = 0 THEN 'banned' ELSE 'active' END, 0, 0,
       '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO namespaces (name, path, type, parent_id, created_at, updated_at)
SELECT 'Group ' || i, 'group' || i, 'Group', CASE WHEN i > 200 THEN (i % 200) + 1 END, '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO projects (name, path, namespace_id, created_at, updated_at)
SELECT 'Project ' || i, 'project' || i, (SELECT min(id) FROM namespaces) + (i % 1000), '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM n;
-- Bots: one per project, then one per group.
INSERT INTO users (username, email, name, state, admin, user_type, created_at, updated_at)
SELECT 'project_' || id || '_bot_' || hex(randomblob(8)), 'project_' || id || '_bot@noreply.example.com', 'bot', 'active', 0, 6,
       '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM projects;
INSERT INTO users (username, email, name, state, admin, user_type, created_at, updated_at)
SELECT 'group_' || id || '_bot_' || hex(randomblob(8)), 'group_' || id || '_bot@noreply.example.com', 'bot', 'active', 0, 6,
       '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM namespaces;
INSERT INTO members (source_type, source_id, user_id, access_level, created_at, updated_at)
SELECT CASE WHEN u.username LIKE 'project%' THEN 'Project' ELSE 'Namespace' END,
       CAST(substr(u.username, instr(u.username, '_') + 1, instr(substr(u.username, instr(u.username, '_') + 1), '_') - 1) AS INTEGER),
       u.id, 40, '2026-01-01 00:00:00', '2026-01-01 00:00:00'
FROM users u WHERE u.user_type = 6;
CREATE TEMP TABLE humans (k INTEGER PRIMARY KEY, id INTEGER NOT NULL);
INSERT INTO humans SELECT row_number() OVER (ORDER BY id) - 1, id FROM users WHERE user_type = 0 AND admin = 0;
CREATE TEMP TABLE bots (k INTEGER PRIMARY KEY, id INTEGER NOT NULL);
INSERT INTO bots SELECT row_number() OVER (ORDER BY id) - 1, id FROM users WHERE user_type = 6;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO personal_access_tokens (user_id, name, token_digest, scopes, revoked, impersonation, expires_at, last_used_at, created_at, updated_at)
SELECT CASE WHEN i % 10 = 0 THEN (SELECT id FROM bots WHERE k = (i / 10) % 4000) ELSE (SELECT id FROM humans WHERE k = i % 20000) END,
       'token ' || i, 'digest' || i,
       CASE WHEN i % 2 = 0 THEN '["api"]' ELSE '["read_api","create_runner"]' END,
       i % 20 = 0, i % 100 = 1,
       CASE WHEN i % 10 = 3 THEN NULL WHEN i % 10 = 5 THEN '2027-05-22' ELSE date('2026-12-01', '+' || ((i * 7919) % 730) || ' days') END,
       CASE WHEN i % 3 = 0 THEN '2026-11-01 12:00:00' END,
       '2026-01-01 00:00:00', '2026-01-01 00:00:00'
FROM n;
-- Half the bots' tokens have the expiry the backfill set.
INSERT INTO token_expiry_backfills (personal_access_token_id, expires_at, created_at)
SELECT t.id, t.expires_at, '2026-01-01 00:00:00' FROM personal_access_tokens t JOIN bots b ON b.id = t.user_id
WHERE t.expires_at IS NOT NULL AND (t.id / 10) % 2 = 0;
COMMIT;
ANALYZE;
