/** The node roles that pull through the cache: one to create, existing ones, or both; each once. */
import { terraformName } from '../../lib/aws/names';
import { CREATED_NODE_ROLE_ADDRESS, createdNodeRole } from '../environment';
import type { FileCheck } from './context';

export const nodeRoles: FileCheck = ({ settings, name, add }) => {
  if (!settings) return;
  const createRole = createdNodeRole(settings, name);
  const existingRoles = settings.nodes?.existingRoles ?? [];
  existingRoles.forEach((role, index) => {
    const path = ['nodes', 'existingRoles', index];
    const sameName = existingRoles.findIndex((other) => terraformName(other) === terraformName(role));
    if (role === createRole) add(path, `"${role}" is the role this stack creates (createRole)`);
    else if (existingRoles.indexOf(role) !== index) add(path, `"${role}" is listed twice`);
    else if (sameName !== index) add(path, `"${role}" and "${existingRoles[sameName]}" would share the Terraform address name ${terraformName(role)}`);
    else if (createRole !== undefined && terraformName(role) === CREATED_NODE_ROLE_ADDRESS) {
      add(path, `"${role}" would share the Terraform address name ${CREATED_NODE_ROLE_ADDRESS} of the role this stack creates`);
    }
  });
  if (createRole === undefined && existingRoles.length === 0) {
    add(['nodes'], 'with createRole: false, list existingRoles: otherwise no node may pull through the cache');
  }
};
