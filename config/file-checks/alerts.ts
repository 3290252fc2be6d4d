/**
 * Where failure alerts go: addresses or an existing topic, the topic where ECR's events and the rule are. Checked
 * whenever `alerts` parses, whatever else of the file does not, so that every problem is reported at once.
 */
import { alertsProblems } from '../../lib/checks/alerts';
import { environmentSchema } from '../schema';
import type { FileCheck } from './context';

const ALERTS = environmentSchema.shape.alerts;

export const alerts: FileCheck = ({ raw, registry, add }) => {
  const parsed = ALERTS.safeParse(raw.alerts);
  if (!parsed.success || parsed.data === undefined) return;
  for (const problem of alertsProblems(parsed.data, registry)) {
    add(['alerts', ...(problem.field ? [problem.field] : []), ...(problem.index !== undefined ? [problem.index] : [])], problem.message);
  }
};
