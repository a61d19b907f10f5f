import * as assert from 'node:assert/strict';
import { GitRepository, GitRunner, type GitError } from '../../../src/core/git';
import { parseRemoteUrl, permalink } from '../../../src/core/git/remote';
import { RepoWriter } from '../git/fixtureRepo';

const SHA = '9fceb02d0ae598e95dc970b74767f19372d61af8';

describe('loop/remote URLs and permalinks (issue 21 item 1)', () => {
  it('parses the https, ssh and scp-like forms of GitHub, GitLab and Bitbucket', () => {
    const cases: Array<[string, string, string]> = [
      ['https://github.com/acme/shop.git', 'github', 'acme/shop'],
      ['https://github.com/acme/shop', 'github', 'acme/shop'],
      ['https://github.com/acme/shop/', 'github', 'acme/shop'],
      ['git@github.com:acme/shop.git', 'github', 'acme/shop'],
      ['ssh://git@github.com/acme/shop.git', 'github', 'acme/shop'],
      ['ssh://git@github.com:22/acme/shop.git', 'github', 'acme/shop'],
      ['git+ssh://git@github.com/acme/shop.git', 'github', 'acme/shop'],
      ['https://gitlab.com/group/sub/project.git', 'gitlab', 'group/sub/project'],
      ['git@gitlab.com:group/sub/project.git', 'gitlab', 'group/sub/project'],
      ['https://bitbucket.org/team/repo.git', 'bitbucket', 'team/repo'],
      ['git@bitbucket.org:team/repo.git', 'bitbucket', 'team/repo'],
      ['HTTPS://GitHub.com/Acme/Shop.GIT', 'github', 'Acme/Shop'],
    ];
    for (const [url, host, p] of cases) {
      const r = parseRemoteUrl(url);
      assert.ok(r, url);
      assert.equal(r.host, host, url);
      assert.equal(r.path, p, url);
    }
  });

  it('never keeps credentials, ports, queries or fragments from the URL', () => {
    const r = parseRemoteUrl('https://bot:ghp_SECRETTOKEN@github.com/acme/shop.git?x=1#frag');
    assert.ok(r);
    const link = permalink(r, SHA, 'src/a.ts', 3)!;
    assert.equal(link, `https://github.com/acme/shop/blob/${SHA}/src/a.ts#L3`);
    assert.ok(!link.includes('SECRET') && !link.includes('bot'));
    assert.ok(!JSON.stringify(r).includes('SECRET'));
  });

  it('refuses unknown hosts, local paths and malformed repository paths', () => {
    for (const url of [
      '',
      '/srv/git/shop.git',
      'file:///srv/git/shop.git',
      'C:\\repos\\shop',
      'C:/repos/shop',
      '../shop',
      'https://git.example.com/acme/shop.git',
      'https://github.com.evil.com/acme/shop.git',
      'https://evil.com/github.com/acme/shop.git',
      'https://github.com/acme',
      'https://github.com/acme/shop/extra',
      'https://github.com/acme/../shop',
      'https://github.com/acme/%2e%2e',
      'https://github.com/ac me/shop',
      'https://github.com/acme/shop\nhttps://x',
      'javascript:alert(1)//github.com/a/b',
      `https://github.com/${'a'.repeat(3000)}/b`,
    ]) {
      assert.equal(parseRemoteUrl(url), undefined, JSON.stringify(url));
    }
  });

  it('permalinks in each host\'s form, path segments encoded; none for a bad sha or path', () => {
    const gh = parseRemoteUrl('git@github.com:acme/shop.git')!;
    const gl = parseRemoteUrl('https://gitlab.com/g/s/p.git')!;
    const bb = parseRemoteUrl('https://bitbucket.org/t/r.git')!;
    assert.equal(permalink(gh, SHA, 'src/checkout/pricing.ts', 42), `https://github.com/acme/shop/blob/${SHA}/src/checkout/pricing.ts#L42`);
    assert.equal(permalink(gl, SHA, 'src/a b.ts', 7), `https://gitlab.com/g/s/p/-/blob/${SHA}/src/a%20b.ts#L7`);
    assert.equal(permalink(bb, SHA, 'src/#x?.ts', 1), `https://bitbucket.org/t/r/src/${SHA}/src/%23x%3F.ts#lines-1`);
    assert.equal(permalink(gh, SHA.toUpperCase(), 'a.ts', 1), `https://github.com/acme/shop/blob/${SHA}/a.ts#L1`);
    assert.equal(permalink(gh, 'main', 'a.ts', 1), undefined, 'a branch name is no permalink');
    assert.equal(permalink(gh, SHA, '../etc/passwd', 1), undefined);
    assert.equal(permalink(gh, SHA, 'a//b.ts', 1), undefined);
    assert.equal(permalink(gh, SHA, '', 1), undefined);
    assert.equal(permalink(gh, SHA, 'a.ts', 0), `https://github.com/acme/shop/blob/${SHA}/a.ts`, 'no line anchor for a bad line');
  });

  describe('GitRepository.remoteUrl (git remote get-url)', () => {
    it('reads origin, else the first remote; undefined without a remote', async () => {
      const w = RepoWriter.init('oncall-remote-');
      w.write('a.txt', 'a');
      w.commit('a', Date.UTC(2024, 0, 1));
      const repo = await GitRepository.open(w.dir);
      assert.equal(await repo.remoteUrl(), undefined);
      w.git(['remote', 'add', 'upstream', 'https://gitlab.com/g/p.git']);
      assert.equal(await repo.remoteUrl(), 'https://gitlab.com/g/p.git');
      w.git(['remote', 'add', 'origin', 'git@github.com:acme/shop.git']);
      assert.equal(await repo.remoteUrl(), 'git@github.com:acme/shop.git');
    });

    it('the runner allows only "remote" and "remote get-url <name>", not the forms that change or fetch', async () => {
      const w = RepoWriter.init('oncall-remote2-');
      const runner = new GitRunner({ cwd: w.dir });
      for (const args of [['remote', 'add', 'x', 'https://e.com/x'], ['remote', 'set-url', 'origin', 'x'], ['remote', 'update'], ['remote', 'prune', 'origin'], ['remote', 'get-url', '--push', 'origin'], ['remote', 'get-url', '-h'], ['remote', '-v']]) {
        await assert.rejects(runner.run(args), (e: GitError) => e.code === 'failed' && /not allowed/.test(e.message), args.join(' '));
      }
    });
  });
});
