import * as assert from 'node:assert/strict';
import safeRegex from 'safe-regex2';
import {
  buildDeployCommandPatterns,
  defaultDeployCommandPatterns,
  globToRegExp,
  isProtectedBranch,
  matchDeployCommand,
} from '../../../src/core/deploy/commandPatterns';
import { MATCH_INPUT_MAX_LENGTH, safeTest, validateUserRegex } from '../../../src/core/deploy/commandRegex';

describe('deploy command detection', () => {
  const patterns = defaultDeployCommandPatterns();
  const table: Array<[string, string | undefined, string?]> = [
    ['kubectl apply -f k8s/prod.yaml', 'kubectl'],
    ['kubectl --context prod rollout restart deploy/api', 'kubectl'],
    ['kubectl get pods', undefined],
    ['helm upgrade --install api ./chart', 'helm'],
    ['helm install api ./chart', 'helm'],
    ['helm list', undefined],
    ['terraform apply -auto-approve', 'terraform'],
    ['terraform -chdir=infra apply', 'terraform'],
    ['terraform plan', undefined],
    ['fly deploy', 'fly'],
    ['flyctl deploy --app api', 'fly'],
    ['vercel --prod', 'vercel'],
    ['vercel deploy --prod --yes', 'vercel'],
    ['vercel deploy', undefined],
    ['netlify deploy --prod --dir dist', 'netlify'],
    ['netlify deploy --dir dist', undefined],
    ['npm run deploy', 'npm-deploy'],
    ['npm run deploy:prod', 'npm-deploy'],
    ['yarn deploy', 'npm-deploy'],
    ['npm run build', undefined],
    ['bundle exec cap production deploy', 'capistrano'],
    ['cap staging deploy', undefined],
    ['gcloud app deploy app.yaml', 'gcloud'],
    ['gcloud --project x app deploy', 'gcloud'],
    ['serverless deploy --stage prod', 'serverless'],
    ['sls deploy', 'serverless'],
    ['npm test && kubectl apply -f x.yaml', 'kubectl'],
    ['FOO=1 sudo helm upgrade api ./chart', 'helm'],
    ['mykubectl apply', undefined],
    ['git push origin main', 'git-push', 'main'],
    ['git push -u origin master', 'git-push', 'master'],
    ['git push --force-with-lease origin HEAD:production', 'git-push', 'production'],
    ['git push origin +refs/heads/release/2026.03', 'git-push', 'release/2026.03'],
    ['git push origin release/2026/03', undefined],
    ['git push origin feature/x', undefined],
    ['git push origin :main', undefined],
    ['git -C repo push origin main', 'git-push', 'main'],
    ['git push -o ci.skip origin main', 'git-push', 'main'],
    ['git status; git push origin main', 'git-push', 'main'],
    ['git pull origin main', undefined],
    ['git push', undefined],
    ['', undefined],
  ];
  for (const [line, id, branch] of table) {
    it(`${JSON.stringify(line)} → ${id ?? 'no match'}`, () => {
      const m = matchDeployCommand(line, patterns);
      assert.equal(m?.id, id);
      if (branch) assert.equal(m?.branch, branch);
    });
  }

  it('bare `git push` counts when the host knows the current branch is protected', () => {
    assert.equal(matchDeployCommand('git push', patterns, { currentBranch: 'main' })?.branch, 'main');
    assert.equal(matchDeployCommand('git push origin HEAD', patterns, { currentBranch: 'release/1.2' })?.branch, 'release/1.2');
    assert.equal(matchDeployCommand('git push', patterns, { currentBranch: 'feature/x' }), undefined);
  });

  it('returns the matched text and label', () => {
    assert.deepEqual(matchDeployCommand('echo hi; kubectl apply -f a.yaml', patterns), { id: 'kubectl', label: 'kubectl apply/rollout', kind: 'regex', matched: 'kubectl apply' });
  });

  it('every built-in pattern passes the catastrophic-regex check', () => {
    for (const p of patterns) if (p.kind === 'regex') assert.equal(safeRegex(p.regex), true, p.id);
  });

  it('globs: * within a segment, ** across', () => {
    assert.equal(globToRegExp('release/*').test('release/1.2'), true);
    assert.equal(globToRegExp('release/*').test('release/a/b'), false);
    assert.equal(globToRegExp('release/**').test('release/a/b'), true);
    assert.equal(globToRegExp('v?.x').test('v1.x'), true);
    assert.equal(isProtectedBranch('prod', ['main', 'prod']), true);
  });

  it('builds patterns from settings: custom branches, extra regexes, errors', () => {
    const { patterns: ps, errors } = buildDeployCommandPatterns({
      protectedBranches: ['deploy/**', 'bad branch'],
      commandPatterns: ['^make\\s+ship\\b', { id: 'argo', label: 'argocd sync', pattern: 'argocd\\s+app\\s+sync' }, '(a+)+$', '(', 42],
    });
    assert.deepEqual(errors.map((e) => e.path), ['protectedBranches[1]', 'commandPatterns[2]', 'commandPatterns[3]', 'commandPatterns[4]']);
    assert.equal(matchDeployCommand('make ship', ps)?.id, 'custom-0');
    assert.equal(matchDeployCommand('ARGOCD app sync api', ps)?.label, 'argocd sync');
    assert.equal(matchDeployCommand('git push origin deploy/eu/1', ps)?.branch, 'deploy/eu/1');
    assert.equal(matchDeployCommand('git push origin main', ps), undefined);
    const only = buildDeployCommandPatterns({ useDefaultCommandPatterns: false, commandPatterns: ['ship'] }).patterns;
    assert.deepEqual(only.map((p) => p.id), ['custom-0']);
  });
});

describe('user regex validation', () => {
  it('rejects catastrophic patterns', () => {
    for (const bad of ['(a+)+$', '(x*)*y', '(\\w+\\s?)+$']) {
      const v = validateUserRegex(bad);
      assert.equal(v.ok, false, bad);
      if (!v.ok) assert.match(v.error, /backtrack catastrophically/);
    }
  });

  it('accepts ordinary patterns (case-insensitive by default)', () => {
    for (const good of ['kubectl\\s+apply', '^deploy$', 'OOM|out of memory', 'severity=(critical|high)']) {
      const v = validateUserRegex(good);
      assert.equal(v.ok, true, good);
      if (v.ok) assert.equal(v.regex.flags, 'i');
    }
  });

  it('rejects empty, too long, non-compiling, non-string patterns and stateful flags', () => {
    const errs = [validateUserRegex(''), validateUserRegex('a'.repeat(501)), validateUserRegex('(unclosed'), validateUserRegex(7), validateUserRegex('a', { flags: 'g' })].map((v) =>
      v.ok ? 'ok' : v.error,
    );
    assert.match(errs[0] ?? '', /non-empty/);
    assert.match(errs[1] ?? '', /longer than 500/);
    assert.match(errs[2] ?? '', /does not compile/);
    assert.match(errs[3] ?? '', /non-empty/);
    assert.match(errs[4] ?? '', /flags/);
  });

  it('caps the matched input length', () => {
    const re = /deploy$/;
    assert.equal(safeTest(re, 'x'.repeat(10) + 'deploy'), true);
    assert.equal(safeTest(re, 'x'.repeat(MATCH_INPUT_MAX_LENGTH) + 'deploy'), false);
  });
});
