export { decideDeploy, findSaferTime, pagedInstead } from './guard';
export type { DeployDecision, DeployDecisionInput, MatchedRule, PagedPerson } from './decision';
export {
  defaultDeployGuardConfig,
  validateDeployGuardSettings,
  validateCron,
  DEFAULT_EVENINGS,
  DEFAULT_WATCH_WINDOW_MINUTES,
  DEFAULT_WEEKLY_WINDOWS,
  type ConfigError,
  type DeployGuardConfig,
  type DeployGuardSettings,
  type GuardRule,
  type RuleKind,
  type ValidatedConfig,
} from './guardConfig';
export { ruleIntervals, type RuleInterval } from './guardRules';
export { validateDeployOverride, overrideAnnotation, type DeployOverride, type OverrideValidation } from './guardOverride';
export {
  buildDeployCommandPatterns,
  defaultDeployCommandPatterns,
  matchDeployCommand,
  globToRegExp,
  isProtectedBranch,
  DEFAULT_PROTECTED_BRANCHES,
  type DeployCommandMatch,
  type DeployCommandPattern,
  type DeployCommandSettings,
} from './commandPatterns';
export { validateUserRegex, safeTest, safeExec, USER_REGEX_MAX_LENGTH, MATCH_INPUT_MAX_LENGTH, type RegexValidation } from './commandRegex';
