import { GitHubApiError } from '../model/errors.ts';
import { RefusedAnswerError } from './client.ts';

export function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : undefined;
}

/** Keeps the status and GitHub's message; drops the request (headers carry the token) and the response. */
export function wrapError(operation: string, err: unknown): GitHubApiError {
  if (err instanceof GitHubApiError) return err;
  // Refused here (its size, a redirect off the API): no HTTP status of GitHub's (Octokit labels it 500).
  const status = err instanceof RefusedAnswerError ? undefined : statusOf(err);
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.replace(/(gh[pousr]_|github_pat_)[A-Za-z0-9_]+/g, '[redacted]').split(' - https://docs.github.com')[0]!;
  const hint =
    status === 401
      ? ' (the token is missing or invalid)'
      : status === 403 && /rate limit/i.test(message)
        ? ' (rate limited; retried and gave up)'
        : status === 403
          ? ' (the token lacks a permission the gate needs: contents:read, pull-requests:read, statuses:write, issues:write)'
          : status !== undefined && status >= 500
            ? ' (GitHub is failing; retried and gave up)'
            : '';
  return new GitHubApiError(operation, status, message + hint);
}
