/**
 * User- and workspace-supplied patterns (deploy command regexes, protected-branch and tag globs) run on
 * every terminal command and every tag: none may freeze the extension host, whatever the pattern and
 * whatever the text. These tests would hang (and time out) on a backtracking implementation.
 */
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDeployCommandPatterns, globToRegExp, isProtectedBranch, matchDeployCommand } from '../../../src/core/deploy/commandPatterns';
import { isRunawayRegex, RUNAWAY_STRIKES, safeTest, validateUserRegex } from '../../../src/core/deploy/commandRegex';
import { compileTagRules } from '../../../src/core/git/deploys';
import { globMatch } from '../../../src/core/util/glob';

describe('patterns: no catastrophic backtracking', function () {
  this.timeout(20_000);

  it('globMatch agrees with the glob semantics (property, against the regex translation on short inputs)', () => {
    const globChar = fc.constantFrom('a', 'b', '/', '*', '**', '?', '.');
    const textChar = fc.constantFrom('a', 'b', '/', '.');
    fc.assert(
      fc.property(fc.array(globChar, { maxLength: 8 }), fc.array(textChar, { maxLength: 10 }), (g, t) => {
        const glob = g.join('');
        const text = t.join('');
        assert.equal(globMatch(glob, text), globToRegExp(glob).test(text), `${glob} vs ${text}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('a many-star protected-branch glob against a 4096-character branch name completes', () => {
    const globs = ['*a'.repeat(40) + 'b', '**a'.repeat(40) + 'b', '?*'.repeat(50)];
    const name = 'a'.repeat(4096);
    for (const g of globs) assert.equal(isProtectedBranch(name, [g]), g.startsWith('?*'), g);
    const { patterns, errors } = buildDeployCommandPatterns({ protectedBranches: ['*a*a*a*a*a*a*a*a*a*a*a*a*a*b'] });
    assert.deepEqual(errors, []);
    assert.equal(matchDeployCommand(`git push origin ${'a'.repeat(4000)}`, patterns), undefined);
  });

  it('a many-star tag glob against long tag names completes', () => {
    const [rule] = compileTagRules([{ glob: 'v' + '*a'.repeat(45) + '*b' }]);
    assert.equal(rule!.globRe.test('v' + 'a'.repeat(5000)), false);
    assert.equal(rule!.globRe.test('v' + 'a'.repeat(50) + 'b'), true);
  });

  it('rejects patterns with nested quantifiers; patterns the heuristic misses are cut off by the time limit', () => {
    for (const p of ['(a+)+$', '(x+x+)+y', '(\\w+\\s?)*$', '(a*)*b']) assert.equal(validateUserRegex(p).ok, false, p);
    // safe-regex2 lets these through (overlapping alternation, polynomial): matching must still end.
    for (const p of ['(a|a)*$', '(.|a)*x', 'a*a*a*a*a*a*b', '\\w*\\w*\\w*\\w*\\w*!']) {
      const v = validateUserRegex(p);
      assert.ok(v.ok, `${p} passes validation (the heuristic is not complete)`);
      assert.equal(safeTest(v.regex, `${'a'.repeat(4000)}!!`), p.endsWith('!') ? true : false);
      if (p.endsWith('!')) continue;
      assert.equal(isRunawayRegex(v.regex), false, `${p}: one slow call is not enough (a descheduled process is slow once)`);
      assert.equal(safeTest(v.regex, `${'a'.repeat(4000)}!!`), false);
      assert.equal(isRunawayRegex(v.regex), true, `${p} is given up on after ${RUNAWAY_STRIKES} slow calls in a row`);
      assert.equal(safeTest(v.regex, 'aab'), false, 'and skipped from then on');
    }
  });

  it('a pattern that is slow once but fast in between is never given up on (strikes count calls in a row)', () => {
    const v = validateUserRegex('(a|a)*$');
    assert.ok(v.ok);
    const slow = `${'a'.repeat(4000)}!!`;
    for (let i = 0; i < 3; i++) {
      assert.equal(safeTest(v.regex, slow), false);
      assert.equal(safeTest(v.regex, 'aaa'), true, 'a fast match resets the count');
    }
    assert.equal(isRunawayRegex(v.regex), false);
  });

  it('validateUserRegex never throws, and accepted patterns always return on hostile input (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^[(a|.*+?)\\w]{1,20}$/)), fc.string({ unit: 'binary', maxLength: 300 }), (src, input) => {
        const v = validateUserRegex(src);
        if (v.ok) assert.equal(typeof safeTest(v.regex, input.repeat(10)), 'boolean');
        else assert.ok(v.error.length > 0);
      }),
      { numRuns: 2000 },
    );
  });
});
