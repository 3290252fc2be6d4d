/** Writes lib/aws/regions.generated.ts from the installed AWS SDK's partitions (scripts/aws-partitions.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { awsRegionsSource } from './aws-partitions';

const target = join(PROJECT_ROOT, 'lib', 'aws', 'regions.generated.ts');
writeFileSync(target, awsRegionsSource());
console.log(`wrote ${target}`);
