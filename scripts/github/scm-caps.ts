/** GitHub caps compare at 300 files and the PR files list at 3000. */
export const COMPARE_FILE_CAP = 300;
export const PR_FILES_CAP = 3000;
/** GitHub lists at most 250 commits of a pull request. */
export const PR_COMMITS_CAP = 250;
