/** One source of truth for ids. package.json is checked against these by scripts/check-commands.mjs. */
export const EXTENSION_ID = 'oncall.vscode-oncall';

export const Commands = {
  connect: 'oncall.connect',
  startDemo: 'oncall.startDemo',
  signOut: 'oncall.signOut',
  reconnect: 'oncall.reconnect',
  showLogs: 'oncall.showLogs',
  acknowledge: 'oncall.acknowledge',
  unacknowledge: 'oncall.unacknowledge',
  resolve: 'oncall.resolve',
  openSource: 'oncall.openSource',
  openRunbook: 'oncall.openRunbook',
  openInAlertSource: 'oncall.openInAlertSource',
  copyLink: 'oncall.copyLink',
  changeGrouping: 'oncall.changeGrouping',
  showMore: 'oncall.showMore',
  shiftHandoff: 'oncall.shiftHandoff',
  installPushGuard: 'oncall.installPushGuard',
  removePushGuard: 'oncall.removePushGuard',
  checkDeploy: 'oncall.checkDeploy',
  refreshDeploys: 'oncall.refreshDeploys',
  openCommit: 'oncall.openCommit',
  openAtDeployedVersion: 'oncall.openAtDeployedVersion',
  compareDeployed: 'oncall.compareDeployed',
  openFrame: 'oncall.openFrame',
  openStackTraceFromClipboard: 'oncall.openStackTraceFromClipboard',
  explainFrames: 'oncall.explainFrames',
  setICalFeedUrl: 'oncall.setICalFeedUrl',
  refreshSchedule: 'oncall.refreshSchedule',
  snooze: 'oncall.snooze',
  reassign: 'oncall.reassign',
  escalate: 'oncall.escalate',
  addNote: 'oncall.addNote',
  askForHelp: 'oncall.askForHelp',
  takeOnCall: 'oncall.takeOnCall',
  coverMe: 'oncall.coverMe',
  openAlertingRule: 'oncall.openAlertingRule',
  showPagedHere: 'oncall.showPagedHere',
  shareFindings: 'oncall.shareFindings',
  imOnIt: 'oncall.imOnIt',
  stopImOnIt: 'oncall.stopImOnIt',
  linkFixCommit: 'oncall.linkFixCommit',
} as const;

export const Views = {
  container: 'oncall',
  status: 'oncall.status',
  alerts: 'oncall.alerts',
  deploys: 'oncall.deploys',
} as const;

export const ContextKeys = {
  /** Protocol 1.1 responder actions the connected source offers (the menus show only those). */
  canSnooze: 'oncall.can.snooze',
  canReassign: 'oncall.can.reassign',
  canEscalate: 'oncall.can.escalate',
  canNote: 'oncall.can.note',
  canOverride: 'oncall.can.override',
  /** "I'm on it" holds an alert (issue 21): "Stop" is offered. */
  imOnIt: 'oncall.imOnIt',
  configured: 'oncall.configured',
  connected: 'oncall.connected',
  hasAlerts: 'oncall.hasAlerts',
  /** Set once stack-trace navigation is available (enables "Open Source"). */
  stackTraces: 'oncall.stackTraces',
  riskyDeployWindow: 'oncall.riskyDeployWindow',
  /** The connected source announces `deploys` in hello (its own, or the bridge's deploy webhooks). */
  sourceDeploys: 'oncall.sourceDeploys',
  /** Who I am is known (oncall.identity or git user.email): completes the walkthrough's "Set your identity". */
  identitySet: 'oncall.identitySet',
} as const;

