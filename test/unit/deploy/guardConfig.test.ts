import * as assert from 'node:assert/strict';
import { defaultDeployGuardConfig, validateCron, validateDeployGuardSettings } from '../../../src/core/deploy/guardConfig';

describe('deploy guard settings validation', () => {
  it('defaults: Fri 15:00–Mon 08:00, weekday evenings 18:00–08:00, 2 h watch window, 14-day search', () => {
    const c = defaultDeployGuardConfig();
    assert.equal(c.enabled, true);
    assert.equal(c.watchWindowMinutes, 120);
    assert.equal(c.saferTimeSearchDays, 14);
    assert.deepEqual(c.rules, [
      { kind: 'weekly', id: 'weekend', label: 'Friday afternoon to Monday morning', fromDay: 5, fromMinute: 900, toDay: 1, toMinute: 480 },
      { kind: 'evening', id: 'evenings', label: 'weekday evenings (18:00–08:00)', fromMinute: 1080, toMinute: 480, days: [1, 2, 3, 4, 5] },
    ]);
  });

  it('accepts a full settings object', () => {
    const v = validateDeployGuardSettings({
      watchWindowMinutes: 60,
      weeklyWindows: [{ from: 'friday 12:00', to: 'Sat 00:00' }],
      evenings: { from: '20:00', to: '07:00', days: ['Sun', 'mon'] },
      freezes: [{ label: 'Weekend', start: '0 18 * * 5', end: '0 8 * * 1', timeZone: 'Europe/Berlin' }],
      oneOff: [{ start: '2026-12-23T18:00:00+01:00', end: '2027-01-04T08:00:00Z' }, { start: '2026-12-24T12:00', end: '2026-12-26', timeZone: 'America/New_York' }],
      holidays: ['2026-12-25', { date: '2026-12-26', label: 'Boxing Day' }],
    });
    assert.deepEqual(v.errors, []);
    assert.deepEqual(v.config.rules.map((r) => `${r.kind}:${r.label}`), [
      'weekly:Fri 12:00 – Sat 00:00',
      'evening:evenings (20:00–07:00, Sun Mon)',
      'freeze:Weekend',
      'oneOff:2026-12-23T18:00:00+01:00 – 2027-01-04T08:00:00Z',
      'oneOff:2026-12-24T12:00 – 2026-12-26',
      'holiday:holiday 2026-12-25',
      'holiday:Boxing Day',
    ]);
    const dates = v.config.rules[4];
    assert.ok(dates?.kind === 'oneOff');
    // A bare end date is inclusive: the range runs to the next midnight.
    assert.deepEqual(dates.end, { kind: 'local', year: 2026, month: 12, day: 27, minute: 0, timeZone: 'America/New_York' });
  });

  it('drops bad entries with path-named errors and keeps the good ones', () => {
    const v = validateDeployGuardSettings({
      enabled: 'yes',
      watchWindowMinutes: -5,
      weeklyWindows: [{ from: 'Fri 25:00', to: 'Mon 08:00' }, { from: 'Fri 15:00', to: 'Fri 15:00' }, 'x', { from: 'Sat 10:00', to: 'Sun 10:00' }],
      evenings: { from: 'late', days: ['Funday'] },
      freezes: [
        { start: '0 18 * * 5', end: '0 8 * * 1', timeZone: 'Mars/Base' },
        { start: '61 18 * * 5', end: '0 8 * * 1', timeZone: 'UTC' },
        { start: '0 0 30 2 *', end: '0 8 * * 1', timeZone: 'UTC' },
        { start: '0 18 * *', end: '0 8 * * 1', timeZone: 'UTC' },
      ],
      oneOff: [{ start: '2027-01-04T08:00:00Z', end: '2026-12-23T18:00:00Z' }, { start: 'Christmas', end: '2026-12-27' }],
      holidays: ['2026-02-30', { date: 20261225 }],
    });
    const paths = v.errors.map((e) => e.path);
    assert.deepEqual(paths, [
      'enabled',
      'watchWindowMinutes',
      'weeklyWindows[0].from',
      'weeklyWindows[1]',
      'weeklyWindows[2]',
      'evenings.from',
      'evenings.days[0]',
      'freezes[0].timeZone',
      'freezes[1].start',
      'freezes[2].start',
      'freezes[3].start',
      'oneOff[0]',
      'oneOff[1].start',
      'holidays[0]',
      'holidays[1].date',
    ]);
    assert.equal(v.config.enabled, true);
    assert.equal(v.config.watchWindowMinutes, 120);
    // The valid weekly window survives; evenings fall back to defaults for the bad field, with no valid day.
    assert.deepEqual(v.config.rules.map((r) => r.kind), ['weekly']);
    assert.match(v.errors.find((e) => e.path === 'freezes[2].start')?.message ?? '', /never fires/);
    assert.match(v.errors.find((e) => e.path === 'freezes[3].start')?.message ?? '', /5 fields/);
  });

  it('non-object settings fall back to defaults with an error; evenings: false turns them off', () => {
    const v = validateDeployGuardSettings('nope');
    assert.equal(v.errors.length, 1);
    assert.equal(v.config.rules.length, 2);
    assert.deepEqual(validateDeployGuardSettings({ evenings: false }).config.rules.map((r) => r.kind), ['weekly']);
    assert.deepEqual(validateDeployGuardSettings({ weeklyWindows: [] }).config.rules.map((r) => r.kind), ['evening']);
  });

  it('validateCron', () => {
    assert.equal(validateCron('0 18 * * 5', 'Europe/Berlin'), undefined);
    assert.match(validateCron('', 'UTC') ?? '', /cron expression/);
    assert.match(validateCron('0 18 * * 8', 'UTC') ?? '', /not a valid cron/);
  });
});
