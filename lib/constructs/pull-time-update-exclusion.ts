import { TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';
import { nameElement } from './addresses';
import { checkLiteral } from './tokens';
import { pullTimeExclusionProblem } from '../checks/repository-template';

/** The first provider release with `aws_ecr_pull_time_update_exclusion` (terraform-provider-aws CHANGELOG, 6.28.0). */
export const PULL_TIME_EXCLUSION_PROVIDER = '6.28';

export interface PullTimeUpdateExclusionProps {
  /** The IAM role or user whose pulls do not update an image's last pull time, such as a scanner's. */
  readonly principalArn: string;
}

/**
 * An ECR pull-time update exclusion (ECR user guide, "Pull-time update exclusions"): pulls by this principal leave an
 * image's last recorded pull time as it was, so a scanner that pulls every image does not keep unused images from
 * archiving by last pull. Amazon Inspector's pulls never update it. Up to 100 per account.
 *
 * `aws_ecr_pull_time_update_exclusion` came with provider 6.28.0, after the release the bindings of this project were
 * generated from (6.25.0): the resource is written here by its Terraform type, and a stack that has one must ask for
 * provider 6.28 or later (`PULL_TIME_EXCLUSION_PROVIDER`).
 */
export class PullTimeUpdateExclusion extends TerraformResource {
  static readonly tfResourceType = 'aws_ecr_pull_time_update_exclusion';
  readonly principalArn: string;

  constructor(scope: Construct, id: string, props: PullTimeUpdateExclusionProps) {
    super(scope, id, { terraformResourceType: PullTimeUpdateExclusion.tfResourceType, terraformGeneratorMetadata: { providerName: 'aws' } });
    checkLiteral('PullTimeUpdateExclusion principalArn', props.principalArn, pullTimeExclusionProblem);
    this.principalArn = props.principalArn;
    nameElement(this, 'pull_time_exclusion', props.principalArn.split('/').at(-1) ?? 'principal');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { principal_arn: this.principalArn };
  }
}
