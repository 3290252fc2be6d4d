import { EcrRegistryScanningConfiguration } from '@cdktf/provider-aws/lib/ecr-registry-scanning-configuration';
import { Construct } from 'constructs';
import { ROOT_PREFIX } from './ecr-facts';

export type ScanType = 'BASIC' | 'ENHANCED';
export type ScanFrequency = 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN';

export interface CacheScanningProps {
  /** The cache prefixes to scan (`ROOT` scans every repository). */
  readonly prefixes: readonly string[];
  /** BASIC (free, on push) or ENHANCED (Amazon Inspector). */
  readonly scanType: ScanType;
  /**
   * @default SCAN_ON_PUSH - images are scanned when the cache first stores them
   */
  readonly frequency?: ScanFrequency;
}

/**
 * Scans the images the cache stores. ECR has one scanning configuration per registry: this construct owns it,
 * so only one stack per account and region may use it.
 */
export class CacheScanning extends Construct {
  readonly configuration: EcrRegistryScanningConfiguration;

  constructor(scope: Construct, id: string, props: CacheScanningProps) {
    super(scope, id);
    const frequency = props.frequency ?? 'SCAN_ON_PUSH';
    if (props.scanType === 'BASIC' && frequency !== 'SCAN_ON_PUSH') throw new Error('BASIC scanning only scans on push; CONTINUOUS_SCAN needs ENHANCED');
    if (props.prefixes.length === 0) throw new Error('CacheScanning needs at least one prefix');
    this.configuration = new EcrRegistryScanningConfiguration(this, 'configuration', {
      scanType: props.scanType,
      rule: [
        {
          scanFrequency: frequency,
          repositoryFilter: props.prefixes.map((prefix) => ({ filter: prefix === ROOT_PREFIX ? '*' : `${prefix}/*`, filterType: 'WILDCARD' })),
        },
      ],
    });
  }
}
