import { DataResource } from 'cdktf';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { nameElement } from './addresses';

/**
 * Seconds to wait after writing a credential or a role before ECR reads it. Secrets Manager and IAM are eventually
 * consistent: a team whose rule was created right after the secret's value hit SecretNotFoundException and added a
 * 10 s wait (entigolabs/entigo-infralib PR #1645); IAM says a new role or policy "may not be immediately visible"
 * (IAM user guide, troubleshoot_general.html#troubleshoot_general_eventual-consistency).
 */
export const PROPAGATION_SECONDS = 10;

export interface PropagationWaitProps {
  /** The parts of its Terraform name: `['docker-hub', 'propagation']` is terraform_data.docker_hub_propagation. */
  readonly name: readonly string[];
  /** What must be visible to AWS before whatever depends on this wait is created. */
  readonly after: readonly ITerraformDependable[];
  /**
   * @default 10
   */
  readonly seconds?: number;
}

/**
 * A pause between resources, made from what Terraform itself provides (`terraform_data` with a `local-exec`
 * provisioner), so plans need no provider but `hashicorp/aws` and still run offline. It runs when it is created,
 * that is before the first creation of whatever depends on it; later applies skip it. The applying machine needs
 * a `sleep` command (Linux and macOS have one).
 */
export class PropagationWait extends Construct {
  readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: PropagationWaitProps) {
    super(scope, id);
    const seconds = props.seconds ?? PROPAGATION_SECONDS;
    if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`a propagation wait of ${seconds} s must be a whole number from 1`);
    if (props.after.length === 0) throw new Error('a propagation wait needs something to wait after');
    this.resource = new DataResource(this, 'wait', {
      dependsOn: [...props.after],
      // No shell: `sleep <seconds>` runs directly.
      provisioners: [{ type: 'local-exec', interpreter: ['sleep'], command: String(seconds) }],
    });
    nameElement(this.resource, ...props.name);
  }
}
