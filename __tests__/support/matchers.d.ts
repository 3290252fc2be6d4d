import 'vitest';

interface TerraformConstructor {
  readonly tfResourceType: string;
}

interface CdktfMatchers<R = unknown> {
  toHaveResource(resource: TerraformConstructor): R;
  /** `properties` take the synthesized (snake_case) keys. */
  toHaveResourceWithProperties(resource: TerraformConstructor, properties: Record<string, unknown>): R;
  toHaveDataSource(dataSource: TerraformConstructor): R;
  toHaveDataSourceWithProperties(dataSource: TerraformConstructor, properties: Record<string, unknown>): R;
  toHaveProvider(provider: TerraformConstructor): R;
  toHaveProviderWithProperties(provider: TerraformConstructor, properties: Record<string, unknown>): R;
  toBeValidTerraform(): R;
  toPlanSuccessfully(): R;
}

declare module 'vitest' {
  interface Assertion<T = any> extends CdktfMatchers<T> {}
  interface AsymmetricMatchersContaining extends CdktfMatchers {}
}
