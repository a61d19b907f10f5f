// Thin re-exports so the tree and status bar share one formatting source (core/alerts).
export { formatAge } from '../../core/alerts/format';
export { escalationText } from '../../core/alerts/format';
