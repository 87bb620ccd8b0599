import { commentJson } from './payloads.ts';
import { userJson, type Route, type RouteContext } from './server.ts';

/** GitHub refuses an issue comment body over 65536 characters with 422 (documented limit of the body). */
export const COMMENT_BODY_LIMIT = 65_536;

const tooLong = (c: RouteContext) =>
  c.send(422, {
    message: 'Validation Failed',
    errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${COMMENT_BODY_LIMIT} characters)` }],
    documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
    status: '422',
  });

const LEGACY: Record<string, string> = { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read', none: 'none' };

export const issueRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/statuses\/([0-9a-f]{40})$/,
    handle: (c) => {
      const data = JSON.parse(c.body || '{}') as { state: string; context?: string; description?: string; target_url?: string };
      if (!['error', 'failure', 'pending', 'success'].includes(data.state)) return c.send(422, { message: 'Validation Failed', errors: [{ resource: 'Status', field: 'state', code: 'custom' }] });
      const st = { sha: c.match[1]!, state: data.state, context: data.context ?? 'default', description: data.description ?? '', ...(data.target_url ? { target_url: data.target_url } : {}) };
      c.repo.statuses.push(st);
      c.send(201, {
        id: c.repo.statuses.length,
        node_id: `SC_${c.repo.statuses.length}`,
        url: `${c.base}/repos/${c.repo.fullName}/statuses/${st.sha}`,
        ...st,
        creator: userJson(c.actor),
        created_at: c.repo.nextCommentTime(),
        updated_at: c.repo.nextCommentTime(),
      });
    },
  },
  {
    method: 'GET',
    pattern: /^\/issues\/(\d+)\/comments$/,
    handle: (c) => c.paginate([...c.repo.comments.values()].filter((x) => x.issue === Number(c.match[1])).map((x) => commentJson(c.base, c.repo, x))),
  },
  {
    method: 'POST',
    pattern: /^\/issues\/(\d+)\/comments$/,
    handle: (c) => {
      const data = JSON.parse(c.body || '{}') as { body?: string };
      if ((data.body ?? '').length > COMMENT_BODY_LIMIT) return tooLong(c);
      const comment = c.repo.addComment(Number(c.match[1]), c.actor, data.body ?? '');
      c.send(201, commentJson(c.base, c.repo, comment));
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/issues\/comments\/(\d+)$/,
    handle: (c) => {
      const comment = c.repo.comments.get(Number(c.match[1]));
      if (!comment) return c.notFound();
      const body = (JSON.parse(c.body || '{}') as { body?: string }).body ?? comment.body;
      if (body.length > COMMENT_BODY_LIMIT) return tooLong(c);
      // GitHub lets only the comment's author (or a maintainer) edit it; the gate's token edits only its own.
      if (comment.user.login.toLowerCase() !== c.actor.login.toLowerCase()) return c.send(403, { message: 'Resource not accessible by integration', status: '403' });
      comment.body = body;
      comment.updated_at = c.repo.nextCommentTime();
      c.send(200, commentJson(c.base, c.repo, comment));
    },
  },
  {
    // "Get repository permissions for a user": `permission` is the legacy level (admin, write, read, none;
    // maintain reads as write and triage as read), `role_name` the exact role.
    method: 'GET',
    pattern: /^\/collaborators\/([^/]+)\/permission$/,
    handle: (c) => {
      const login = c.match[1]!;
      const role = c.repo.permissionOf(login);
      c.send(200, {
        permission: LEGACY[role],
        role_name: role,
        user: {
          ...userJson({ login }),
          permissions: {
            admin: role === 'admin',
            maintain: role === 'admin' || role === 'maintain',
            push: ['admin', 'maintain', 'write'].includes(role),
            triage: role !== 'read' && role !== 'none',
            pull: role !== 'none',
          },
          role_name: role,
        },
      });
    },
  },
];
