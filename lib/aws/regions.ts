/** AWS regions and partitions, as the AWS SDK knows them (regions.generated.ts), and where pull-through cache exists. */
import { didYouMean } from './close-match';
import { AWS_PARTITIONS, AWS_SDK_VERSION } from './regions.generated';

export const REGION_PATTERN = /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/;

const KNOWN_REGIONS = new Set(AWS_PARTITIONS.flatMap((partition) => partition.regions));

const PARTITION_PATTERNS = AWS_PARTITIONS.map((partition) => ({ id: partition.id, pattern: new RegExp(partition.pattern) }));

/** The AWS partition of a region, by the SDK's partition patterns; `aws` for a name none matches. */
export function partitionOf(region: string): string {
  return PARTITION_PATTERNS.find(({ pattern }) => pattern.test(region))?.id ?? 'aws';
}

/** The longest region name of the AWS SDK's partitions: room a name keeps for a region only known at plan. */
export const LONGEST_REGION_NAME = Math.max(...[...KNOWN_REGIONS].map((region) => region.length));

/** True for a region of the AWS SDK's partitions (regions.generated.ts). */
export function isKnownRegion(region: string): boolean {
  return KNOWN_REGIONS.has(region);
}

export interface RegionOptions {
  /**
   * Accept a region name that matches a partition's pattern but that this tool's list (the AWS SDK's) does not have
   * yet: for a region AWS opened after it. Environment files say so with `allowUnlistedRegion: true`.
   * @default false
   */
  readonly allowUnlistedRegion?: boolean;
}

/** Why `region` is not the name of an AWS region, or undefined when it is. */
export function regionNameProblem(region: string, options: RegionOptions = {}): string | undefined {
  if (isKnownRegion(region)) return undefined;
  // Only a close name is suggested: a far-away region misleads (mars-north-1 is no typo of us-east-1).
  const suggestion = didYouMean(region, [...KNOWN_REGIONS]);
  const partition = PARTITION_PATTERNS.find(({ pattern }) => pattern.test(region));
  if (partition === undefined || !REGION_PATTERN.test(region)) {
    return `"${region}" is not an AWS region name${suggestion || ': give one such as us-east-1 or eu-west-2'}`;
  }
  if (options.allowUnlistedRegion) return undefined;
  return (
    `"${region}" is not a region this tool knows${suggestion}; if AWS opened it after the AWS SDK ${AWS_SDK_VERSION} ` +
    'this tool ships, set allowUnlistedRegion: true'
  );
}

/** Why pull-through cache cannot live in `region`, or undefined when it can. */
export function regionProblem(region: string, options: RegionOptions = {}): string | undefined {
  const nameProblem = regionNameProblem(region, options);
  if (nameProblem) return nameProblem;
  const partition = partitionOf(region);
  if (partition === 'aws-cn') return `pull-through cache is not available in the China regions ("${region}")`;
  if (partition === 'aws-us-gov') return `pull-through cache is not available in the GovCloud regions ("${region}")`;
  if (partition !== 'aws') {
    return `pull-through cache is only supported in the commercial "aws" partition; "${region}" is in "${partition}"`;
  }
  return undefined;
}
