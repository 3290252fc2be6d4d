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
 * The pause's command, for every shell Terraform runs `local-exec` in: `/bin/sh -c` on Linux and macOS, `cmd /C` on
 * Windows (Terraform docs, local-exec provisioner, `interpreter`). sh runs `sleep`; cmd has no `sleep`, so `||` runs
 * `ping -n <seconds + 1>` to the loopback address, which waits a second between its echoes (Windows `ping` /n), the
 * usual pause in a batch file: `timeout /t` refuses to run without a console.
 */
export function pauseCommand(seconds: number): string {
  return `sleep ${seconds} || ping -n ${seconds + 1} 127.0.0.1 > NUL`;
}

/**
 * A pause between resources, made from what Terraform itself provides (`terraform_data` with a `local-exec`
 * provisioner), so plans need no provider but `hashicorp/aws` and still run offline. It runs when it is created,
 * that is before the first creation of whatever depends on it; later applies skip it. It works on Linux, macOS and
 * Windows runners (`pauseCommand`).
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
      // Terraform's default shell of the applying machine's OS.
      provisioners: [{ type: 'local-exec', command: pauseCommand(seconds) }],
    });
    nameElement(this.resource, ...props.name);
  }
}
