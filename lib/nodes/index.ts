export * from './bottlerocket';
export * from './containerd';
export * from './karpenter';
export * from './mirrors';
export * from './nodeadm';
