/** The baseline check that allows the login account's own sudo rule (the sample organisation has the same). */
export const ALLOW_LOGIN = {
  id: 'access',
  title: 'access',
  checks: [
    {
      id: 'access.sudoers',
      title: 'sudo rules',
      severity: 'high',
      type: 'sudoers',
      params: { allow: [{ who: 'opsgate', runas: 'root', commands: ['ALL'], nopasswd: true }] },
      rationale: 'r',
      remediation: 'r',
    },
  ],
};
