// Drives Tokenward with @gitbeaker/rest, a real GitLab API client, unchanged: users, groups,
// projects, members, personal/project/group access tokens and impersonation tokens.
// Run by GroupsCompatibilityTests (tests/Tokenward.Tests) against a real server:
//   GITLAB_URL=http://127.0.0.1:PORT GITLAB_TOKEN=<root token with api,sudo> node gitbeaker.mjs
import assert from 'node:assert/strict';
import { Gitlab } from '@gitbeaker/rest';

const host = process.env.GITLAB_URL;
const token = process.env.GITLAB_TOKEN;
assert.ok(host && token, 'GITLAB_URL and GITLAB_TOKEN are needed');
const api = new Gitlab({ host, token });
let passed = 0;
let failed = 0;

async function step(name, body) {
  try {
    await body();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.cause?.description ?? e?.message ?? e}`);
  }
}

const suffix = Date.now().toString(36);
let user, group, subgroup, project, pat, projectToken, groupToken, impersonation;

await step('current user is root', async () => {
  const me = await api.Users.showCurrentUser();
  assert.equal(me.username, 'root');
});

await step('create a user', async () => {
  user = await api.Users.create({ username: `gb-${suffix}`, email: `gb-${suffix}@example.com`, name: 'Gitbeaker User', password: 'ignored-password-123' });
  assert.equal(user.username, `gb-${suffix}`);
  const shown = await api.Users.show(user.id);
  assert.equal(shown.id, user.id);
});

await step('list users with pagination', async () => {
  const users = await api.Users.all({ perPage: 1, maxPages: 5 });
  assert.ok(users.length >= 2, `got ${users.length}`);
});

await step('create a group and a subgroup', async () => {
  group = await api.Groups.create(`Gitbeaker ${suffix}`, `gb-${suffix}`);
  subgroup = await api.Groups.create('Sub', 'sub', { parentId: group.id });
  const shown = await api.Groups.show(`gb-${suffix}/sub`);
  assert.equal(shown.id, subgroup.id);
  assert.equal(shown.full_path, `gb-${suffix}/sub`);
});

await step('create a project in the subgroup', async () => {
  project = await api.Projects.create({ name: 'Service', namespaceId: subgroup.id });
  assert.equal(project.path_with_namespace, `gb-${suffix}/sub/service`);
  const shown = await api.Projects.show(project.id);
  assert.equal(shown.id, project.id);
});

await step('add the user as a group member', async () => {
  const member = await api.GroupMembers.add(group.id, 30, { userId: user.id });
  assert.equal(member.access_level, 30);
  const members = await api.GroupMembers.all(group.id);
  assert.ok(members.some((m) => m.id === user.id));
});

await step('create, show, list and revoke a personal access token', async () => {
  pat = await api.PersonalAccessTokens.create(user.id, 'gb-pat', ['read_api'], { expiresAt: '2026-12-31' });
  assert.match(pat.token, /^glpat-/);
  const shown = await api.PersonalAccessTokens.show({ tokenId: pat.id });
  assert.equal(shown.name, 'gb-pat');
  const listed = await api.PersonalAccessTokens.all({ userId: user.id });
  assert.ok(listed.some((t) => t.id === pat.id));
  const asUser = new Gitlab({ host, token: pat.token });
  const self = await asUser.PersonalAccessTokens.show();
  assert.equal(self.id, pat.id);
  await api.PersonalAccessTokens.remove({ tokenId: pat.id });
  await assert.rejects(() => asUser.Users.showCurrentUser());
});

await step('create, list, show and revoke a project access token', async () => {
  projectToken = await api.ProjectAccessTokens.create(project.id, 'gb-project', ['read_api'], '2026-12-31', { accessLevel: 30 });
  assert.equal(projectToken.access_level, 30);
  const asBot = new Gitlab({ host, token: projectToken.token });
  assert.equal((await asBot.Projects.show(project.id)).id, project.id);
  const listed = await api.ProjectAccessTokens.all(project.id);
  assert.ok(listed.some((t) => t.id === projectToken.id));
  assert.equal((await api.ProjectAccessTokens.show(project.id, projectToken.id)).name, 'gb-project');
  await api.ProjectAccessTokens.revoke(project.id, projectToken.id);
  await assert.rejects(() => asBot.Projects.show(project.id));
});

await step('create, list and revoke a group access token', async () => {
  groupToken = await api.GroupAccessTokens.create(group.id, 'gb-group', ['api'], '2026-12-31');
  assert.equal(groupToken.access_level, 40);
  const listed = await api.GroupAccessTokens.all(group.id);
  assert.ok(listed.some((t) => t.id === groupToken.id));
  await api.GroupAccessTokens.revoke(group.id, groupToken.id);
});

await step('create, list, show and revoke an impersonation token', async () => {
  impersonation = await api.UserImpersonationTokens.create(user.id, 'gb-imp', ['api'], { expiresAt: '2026-12-31' });
  assert.equal(impersonation.impersonation, true);
  const asImpersonated = new Gitlab({ host, token: impersonation.token });
  assert.equal((await asImpersonated.Users.showCurrentUser()).id, user.id);
  const listed = await api.UserImpersonationTokens.all(user.id);
  assert.ok(listed.some((t) => t.id === impersonation.id));
  assert.equal((await api.UserImpersonationTokens.show(user.id, impersonation.id)).name, 'gb-imp');
  await api.UserImpersonationTokens.revoke(user.id, impersonation.id);
  await assert.rejects(() => asImpersonated.Users.showCurrentUser());
});

await step('block and unblock the user', async () => {
  await api.Users.block(user.id);
  assert.equal((await api.Users.show(user.id)).state, 'blocked');
  await api.Users.unblock(user.id);
  assert.equal((await api.Users.show(user.id)).state, 'active');
});

await step('sudo acts as the user', async () => {
  const me = await api.Users.showCurrentUser({ sudo: user.username });
  assert.equal(me.id, user.id);
});

await step('delete the group', async () => {
  await api.Groups.remove(group.id);
  await assert.rejects(() => api.Groups.show(group.id));
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
