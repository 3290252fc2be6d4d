import { EcrRegistryScanningConfiguration } from '@cdktf/provider-aws/lib/ecr-registry-scanning-configuration';
import { Construct } from 'constructs';
import { nameElement } from './addresses';
import { awsScanFrequency, awsScanType, cacheRepositoriesPattern, type ScanningFrequency, type ScanningType, WHOLE_REGISTRY_FILTER } from '../aws/ecr';

/** The registry's scanning, in the environment file's words (its `scanning`). */
export interface CacheScanningProps {
  /** `basic` (free, on push) or `enhanced` (Amazon Inspector): `scan_type` BASIC or ENHANCED. */
  readonly type: ScanningType;
  /**
   * `scan-on-push` or `continuous` (enhanced only): `scan_frequency` SCAN_ON_PUSH or CONTINUOUS_SCAN.
   * @default scan-on-push - images are scanned when they are pushed, as the cache does when it first stores them
   */
  readonly frequency?: ScanningFrequency;
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
  private readonly frequency: ScanningFrequency;
  private readonly onlyPrefixes?: string[];

  constructor(scope: Construct, id: string, props: CacheScanningProps) {
    super(scope, id);
    this.frequency = props.frequency ?? 'scan-on-push';
    if (props.type === 'basic' && this.frequency !== 'scan-on-push') throw new Error('CacheScanning: basic scanning only scans on push; continuous needs type enhanced');
    this.onlyPrefixes = props.onlyPrefixes && [...props.onlyPrefixes];
    this.configuration = new EcrRegistryScanningConfiguration(this, 'configuration', { scanType: awsScanType(props.type), rule: this.rules() });
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
    return [{ scanFrequency: awsScanFrequency(this.frequency), repositoryFilter: filters.map((filter) => ({ filter, filterType: 'WILDCARD' })) }];
  }
}
