export { parseICalFeed, type ICalFeedError, type ICalFeedErrorCode, type ICalFeedOptions, type ICalParseResult } from './ical';
export { parseOnCallSummary, type SummaryInfo } from './icalPerson';
export { matchesIdentity, identityLabel, type Identity } from './identity';
export { Schedule, uniquePeople, roleRank, type ShiftEntry, type CurrentShift, type RotationOnCall, type OnCallGroup } from './schedule';
export { buildEscalationChain, formatMinutes, type EscalationChain, type ChainTier, type ResolvedTarget } from './escalation';
export {
  describeOnCallStatus,
  formatNextShift,
  formatOnCallUntil,
  formatRelative,
  formatShiftTime,
  type FormatOptions,
  type OnCallStatus,
} from './format';
export { isValidTimeZone, localParts, wallToEpoch, formatInZone, type LocalParts } from './time';
