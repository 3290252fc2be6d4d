/** Pull-time update exclusions: IAM roles or users, each once, at most ECR's 100; useful only where something archives by last pull. */
import { MAX_PULL_TIME_EXCLUSIONS, pullTimeExclusionProblem } from '../../lib/checks/repository-template';
import type { FileCheck } from './context';

export const pullTimeExclusions: FileCheck = ({ settings, add, warn }) => {
  const exclusions = settings?.pullTimeExclusions;
  if (!exclusions) return;
  exclusions.forEach((arn, index) => {
    const problem = pullTimeExclusionProblem(arn);
    if (problem) add(['pullTimeExclusions', index], problem);
    else if (exclusions.indexOf(arn) !== index) add(['pullTimeExclusions', index], `${arn} is listed twice`);
  });
  if (exclusions.length > MAX_PULL_TIME_EXCLUSIONS) add(['pullTimeExclusions'], `has ${exclusions.length} principals; ECR allows at most ${MAX_PULL_TIME_EXCLUSIONS} per account`);
  const archives = settings.repositories?.archiveAfterDaysUnpulled !== undefined || Object.values(settings.rules ?? {}).some((rule) => rule.repositories?.archiveAfterDaysUnpulled !== undefined);
  if (exclusions.length > 0 && !archives) {
    warn(['pullTimeExclusions'], 'nothing here archives by last pull (archiveAfterDaysUnpulled): the exclusions change only what status reports as last pulled');
  }
};
