/**
 * One valid example of every protocol message (the same ones docs/protocol.md shows). Tests derive
 * their invalid variants from these, so a new field needs one edit here.
 */
import type {
  Alert,
  ClientMessage,
  Deploy,
  OnCallState,
  ServerMessage,
} from '../../src/core/protocol/types';

export const T0 = Date.parse('2025-03-14T09:00:00Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'a-1',
    title: 'checkout: 5xx rate above 5%',
    description: 'Error rate 7.2% over 5 minutes',
    severity: 'critical',
    status: 'triggered',
    service: 'checkout',
    environment: 'production',
    startedAt: '2025-03-14T08:58:00Z',
    updatedAt: '2025-03-14T08:58:00Z',
    assignees: [{ id: 'u1', name: 'Alice', email: 'alice@example.com', handle: '@alice', timeZone: 'Europe/Berlin' }],
    escalation: {
      level: 1,
      policy: 'checkout-default',
      nextEscalationAt: '2025-03-14T09:02:14Z',
      targets: [{ name: 'Bob', email: 'bob@example.com' }],
    },
    runbookUrl: 'https://runbooks.example.com/checkout-5xx',
    url: 'https://alertmanager.example.com/#/alerts?receiver=checkout',
    labels: { team: 'payments', region: 'eu-west-1' },
    stackTrace: 'Error: boom\n    at handler (src/checkout/pay.ts:42:13)',
    release: 'checkout@1.42.0',
    commitSha: '9fceb02d0ae598e95dc970b74767f19372d61af8',
    source: 'alertmanager',
    ...overrides,
  };
}

export function makeDeploy(overrides: Partial<Deploy> = {}): Deploy {
  return {
    id: 'd-1',
    service: 'checkout',
    environment: 'production',
    commitSha: '9fceb02',
    previousSha: '1a2b3c4d',
    author: { name: 'Carol', email: 'carol@example.com' },
    deployedAt: '2025-03-14T08:50:00Z',
    url: 'https://ci.example.com/runs/123',
    status: 'succeeded',
    ...overrides,
  };
}

export function makeOnCall(): OnCallState {
  return {
    generatedAt: '2025-03-14T09:00:00Z',
    rotations: [
      {
        id: 'r-1',
        name: 'Payments primary',
        role: 'primary',
        pair: 'payments',
        timeZone: 'Europe/Berlin',
        shifts: [{ person: { name: 'Alice', email: 'alice@example.com' }, start: '2025-03-14T07:00:00Z', end: '2025-03-15T07:00:00Z' }],
      },
    ],
    policies: [
      {
        id: 'p-1',
        name: 'checkout-default',
        services: ['checkout'],
        tiers: [
          { level: 1, delayMinutes: 5, targets: [{ type: 'rotation', rotationId: 'r-1' }] },
          { level: 2, delayMinutes: 10, targets: [{ type: 'person', person: { name: 'Bob' } }] },
        ],
      },
    ],
  };
}

export const serverExamples: Record<ServerMessage['type'], ServerMessage> = {
  hello: {
    type: 'hello',
    protocol: 1,
    protocolMinor: 1,
    server: 'oncall-bridge/0.1.0',
    source: 'demo',
    capabilities: ['ack', 'unack', 'resolve', 'oncall', 'deploys', 'annotate', 'snooze', 'reassign', 'escalate', 'note'],
    unsupportedActions: { override: 'this demo rotation is read-only' },
  },
  snapshotChunk: { type: 'snapshotChunk', seq: 41, index: 0, count: 2, alerts: [makeAlert()] },
  snapshot: {
    type: 'snapshot',
    seq: 41,
    alerts: [makeAlert({ id: 'a-0', status: 'resolved', updatedAt: '2025-03-14T08:59:00Z', resolvedAt: '2025-03-14T08:59:00Z' }), makeAlert()], oncall: makeOnCall(), deploys: [makeDeploy()] },
  alert: {
    type: 'alert',
    seq: 42,
    alert: makeAlert({
      status: 'acknowledged',
      acknowledgedBy: { name: 'Alice', handle: '@alice' },
      acknowledgedAt: '2025-03-14T08:59:30Z',
      updatedAt: '2025-03-14T08:59:30Z',
      snoozedUntil: '2025-03-14T10:00:00Z',
      notes: [{ id: 'n-1', text: 'rolled back checkout@1.42.0', author: { name: 'Alice' }, at: '2025-03-14T08:59:40Z' }],
      timeline: [
        { at: '2025-03-14T08:58:00Z', kind: 'triggered' },
        { at: '2025-03-14T08:59:30Z', kind: 'snoozed', actor: { name: 'Alice' }, text: 'snoozed until 10:00 UTC' },
      ],
    }),
  },
  alertResolved: { type: 'alertResolved', seq: 43, alertResolved: { id: 'a-1', resolvedAt: '2025-03-14T09:10:00Z', resolvedBy: { name: 'Alice' } } },
  oncall: { type: 'oncall', seq: 44, oncall: { ...makeOnCall(), people: [{ id: 'u1', name: 'Alice', email: 'alice@example.com', timeZone: 'Europe/Berlin' }] } },
  deploy: { type: 'deploy', seq: 45, deploy: makeDeploy() },
  error: { type: 'error', error: { code: 'rate_limited', message: 'too many requests' } },
  result: { type: 'result', requestId: 'r-7', ok: false, error: 'alert a-9 does not exist' },
};

export const clientExamples: Record<ClientMessage['type'], ClientMessage> = {
  resume: { type: 'resume', lastSeq: 41 },
  ack: { type: 'ack', requestId: 'r-1', alertIds: ['a-1'], actor: { name: 'Alice', email: 'alice@example.com' } },
  unack: { type: 'unack', requestId: 'r-2', alertIds: ['a-1'] },
  resolve: { type: 'resolve', requestId: 'r-3', alertIds: ['a-1', 'a-2'] },
  annotate: { type: 'annotate', requestId: 'r-4', annotation: { kind: 'deployOverride', text: 'hotfix for INC-12', service: 'checkout', actor: { name: 'Alice' } } },
  snooze: { type: 'snooze', requestId: 'r-5', alertIds: ['a-1'], until: '2025-03-14T10:00:00Z', actor: { name: 'Alice', email: 'alice@example.com' } },
  reassign: { type: 'reassign', requestId: 'r-6', alertIds: ['a-1'], to: { userId: 'u2' } },
  escalate: { type: 'escalate', requestId: 'r-8', alertIds: ['a-1'], level: 2 },
  note: { type: 'note', requestId: 'r-9', alertId: 'a-1', text: 'rolled back checkout@1.42.0', actor: { name: 'Alice' } },
  override: { type: 'override', requestId: 'r-10', rotationId: 'r-1', start: '2025-03-14T09:00:00Z', end: '2025-03-14T17:00:00Z', userId: 'u1' },
};
