import { EcrRegistryScanningConfiguration } from '@cdktf/provider-aws/lib/ecr-registry-scanning-configuration';
import { Construct } from 'constructs';
import { nameElement } from './addresses';
import { cacheRepositoriesPattern, type ScanType, WHOLE_REGISTRY_FILTER } from '../aws/ecr';

export type ScanFrequency = 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN';

export interface CacheScanningProps {
  /** BASIC (free, on push) or ENHANCED (Amazon Inspector). */
  readonly scanType: ScanType;
  /**
   * @default SCAN_ON_PUSH - images are scanned when they are pushed, as the cache does when it first stores them
   */
  readonly frequency?: ScanFrequency;
  /**
   * Scan only the repositories of these cache prefixes (`ROOT`: every repository). Every other repository of the
   * registry then loses scanning: see `unscannedRepositoriesEffect`.
   * @default - every repository of the registry (`*`), so no repository loses the scanning it had
   */
  readonly onlyPrefixes?: readonly string[];
}

/**
 * The registry's scanning configuration. ECR has one per registry (account + region), so this construct owns it:
 * applying it replaces whatever configuration the registry had, and destroying it resets the registry to BASIC
 * scanning with no rules, which is manual scanning for every repository (the provider's delete puts an empty
 * configuration: internal/service/ecr/registry_scanning_configuration.go). Only one stack per registry may use it.
 */
export class CacheScanning extends Construct {
  readonly configuration: EcrRegistryScanningConfiguration;
  private readonly frequency: ScanFrequency;
  private readonly onlyPrefixes?: string[];

  constructor(scope: Construct, id: string, props: CacheScanningProps) {
    super(scope, id);
    this.frequency = props.frequency ?? 'SCAN_ON_PUSH';
    if (props.scanType === 'BASIC' && this.frequency !== 'SCAN_ON_PUSH') throw new Error('BASIC scanning only scans on push; CONTINUOUS_SCAN needs ENHANCED');
    this.onlyPrefixes = props.onlyPrefixes && [...props.onlyPrefixes];
    this.configuration = new EcrRegistryScanningConfiguration(this, 'configuration', { scanType: props.scanType, rule: this.rules() });
    nameElement(this.configuration, 'registry');
    this.node.addValidation({
      validate: () => (this.onlyPrefixes?.length === 0 ? ['CacheScanning: onlyPrefixes has no prefix; leave it out to scan the whole registry'] : []),
    });
  }

  /** Scans one more cache prefix, when the scanning covers only the cache's (`onlyPrefixes`). */
  addPrefix(prefix: string): void {
    if (!this.onlyPrefixes) return;
    this.onlyPrefixes.push(prefix);
    this.configuration.putRule(this.rules());
  }

  private rules() {
    const filters = this.onlyPrefixes?.map(cacheRepositoriesPattern) ?? [WHOLE_REGISTRY_FILTER];
    return [{ scanFrequency: this.frequency, repositoryFilter: filters.map((filter) => ({ filter, filterType: 'WILDCARD' })) }];
  }
}
