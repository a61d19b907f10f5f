import * as assert from 'node:assert';
import { choiceOf, GuardWarningLog, heldCommandParts, overrideNoteTargets } from '../../../src/core/deploy/guardPrompts';

describe('deploy guard prompts (what the guard asks and records)', () => {
  it('a held terminal command is settled by its answer, not warned twice; other commands are new warnings', () => {
    const log = new GuardWarningLog();
    log.settle('"kubectl apply" in the terminal', 'Risky deploy: …', 'held');
    log.settle('"kubectl apply" in the terminal', 'Risky deploy: …', 'anyway');
    assert.deepStrictEqual(log.entries, [{ what: '"kubectl apply" in the terminal', summary: 'Risky deploy: …', choice: 'anyway' }]);
    // Answered already: the next identical command is a new question.
    log.settle('"kubectl apply" in the terminal', 'Risky deploy: …', 'held');
    log.settle('"helm upgrade" in the terminal', 'Risky deploy: …', 'stop');
    assert.deepStrictEqual(log.entries.map((e) => `${e.what}:${e.choice}`), ['"kubectl apply" in the terminal:anyway', '"kubectl apply" in the terminal:held', '"helm upgrade" in the terminal:stop']);
  });

  it('keeps the newest 100 warnings', () => {
    const log = new GuardWarningLog();
    for (let i = 0; i < 130; i++) log.add(`push ${i}`, 's');
    assert.strictEqual(log.entries.length, 100);
    assert.strictEqual(log.entries[0]!.what, 'push 30');
    assert.strictEqual(log.entries.at(-1)!.what, 'push 129');
  });

  it('a terminal hears the first sentence, who gets paged first and the safer time — not the whole summary', () => {
    const parts = heldCommandParts({
      summary: 'Risky deploy: Fri 18:40 is in Friday evening (16:00–24:00), and you go off call at 19:00. Paged instead: Bob (ops) at 09:40 his time. Safer: Mon 10:00.',
      pagedInstead: [{ text: 'Bob (ops) gets paged first, at 09:40 his time' } as never, { text: 'Carol' } as never],
      saferTime: { at: 0, text: 'Mon 10:00, while you are on shift', watchable: true },
    });
    assert.deepStrictEqual(parts, {
      headline: 'Risky deploy: Fri 18:40 is in Friday evening (16:00–24:00), and you go off call at 19:00.',
      pagedFirst: 'Bob (ops) gets paged first, at 09:40 his time',
      safer: 'Mon 10:00, while you are on shift',
    });
    // A summary without a sentence end is the headline as it is; nothing invented when nobody is paged.
    assert.deepStrictEqual(heldCommandParts({ summary: 'Risky deploy: change freeze' }), { headline: 'Risky deploy: change freeze' });
    // "v1.2" does not end the sentence (no space after the dot).
    assert.strictEqual(heldCommandParts({ summary: 'Deploying v1.2 now is risky. More.' }).headline, 'Deploying v1.2 now is risky.');
  });

  it('the picked button becomes the choice; a closed modal (a held push) stops, a closed toast only dismisses', () => {
    const b = { anyway: 'Deploy Anyway…', stop: 'Cancel Push' };
    assert.strictEqual(choiceOf('Deploy Anyway…', b, true), 'anyway');
    assert.strictEqual(choiceOf('Cancel Push', b, true), 'stop');
    assert.strictEqual(choiceOf(undefined, b, true), 'stop');
    assert.strictEqual(choiceOf(undefined, b, false), 'dismiss');
    assert.strictEqual(choiceOf('Details…', { anyway: 'Deploy Anyway…' }, false), 'dismiss', 'no stop button: only anyway or dismiss');
  });
});

describe('overrideNoteTargets: where a "Deploy anyway" reason is posted', () => {
  const a = (id: string, service: string, status = 'triggered') => ({ id, service, status });
  const sorted = [a('A1', 'payments'), a('A2', 'checkout'), a('A3', 'payments', 'resolved'), a('A4', 'checkout', 'acknowledged'), a('A5', 'search'), a('A6', 'checkout')];

  it('open alerts of the repository\'s services, in the given (urgency) order, at most max', () => {
    const t = overrideNoteTargets(sorted, ['checkout'], 2);
    assert.deepStrictEqual(t.alerts.map((x) => x.id), ['A2', 'A4']);
    assert.match(t.why, /open alerts of checkout \(deployed from this repository\)/);
  });
  it('several services: any of them; resolved alerts never', () => {
    assert.deepStrictEqual(overrideNoteTargets(sorted, ['payments', 'search'], 5).alerts.map((x) => x.id), ['A1', 'A5']);
  });
  it('none of its services has an open alert, or the services are unknown: the most urgent open alerts, and says which', () => {
    const none = overrideNoteTargets(sorted, ['billing'], 3);
    assert.deepStrictEqual(none.alerts.map((x) => x.id), ['A1', 'A2', 'A4']);
    assert.match(none.why, /no open alert of billing/);
    const unknown = overrideNoteTargets(sorted, [], 2);
    assert.deepStrictEqual(unknown.alerts.map((x) => x.id), ['A1', 'A2']);
    assert.match(unknown.why, /not known/);
    assert.deepStrictEqual(overrideNoteTargets([], ['checkout'], 3).alerts, []);
  });
});
