
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'flaky' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'flaky'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'flaky' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Write the history as one self-contained HTML page: trend, most flaky tests, runs')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Prove why each flaky test of a stored run is flaky, by experiments (seeds, alone, order and the polluter, copies, load, time zone, locale, network)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a test command many times and report how flaky it is')
            [CompletionResult]::new('ci', 'ci', [CompletionResultType]::ParameterValue, 'The CI step: run the suite once, rerun what failed, and tell a real failure from a flaky one')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Join the JSON reports of a run''s shards (`flaky run --shard K/N`) into one run')
            [CompletionResult]::new('quarantine', 'quarantine', [CompletionResultType]::ParameterValue, 'The quarantine of `.flaky.yml`: known flaky tests whose failures do not fail `flaky ci`')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the runs stored in the history database')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Render a stored run (default: the last one) as a report')
            [CompletionResult]::new('detect-framework', 'detect-framework', [CompletionResultType]::ParameterValue, 'Say which test frameworks a project uses and how `flaky run` will drive them')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Find the usual causes of flakiness in test code (sleeps, clocks, randomness, network, shared state...)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell')
            break
        }
        'flaky;dashboard' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Only runs whose repository URL contains this, in any directory')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Only runs on this branch')
            [CompletionResult]::new('--command', '--command', [CompletionResultType]::ParameterName, 'Only runs whose command line contains this')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only runs from this long ago until now, e.g. 30d, 12h (a bare number is days)')
            [CompletionResult]::new('--causes', '--causes', [CompletionResultType]::ParameterName, 'Scan DIR''s test code (default: the current directory) for each test''s likely cause, as `flaky scan` finds it, instead of the causes stored with the runs')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the page to this file (`-` for stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the page to this file (`-` for stdout)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Runs of every directory, not only of the current project (the git repository the current directory is in, else the current directory and below)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;diagnose' {
            [CompletionResult]::new('--test', '--test', [CompletionResultType]::ParameterName, 'Diagnose this test (repeatable) [default: the run''s flaky, order-dependent and contention tests]')
            [CompletionResult]::new('--budget', '--budget', [CompletionResultType]::ParameterName, 'Start no new experiment after this long, e.g. 20m (a bare number is seconds) [default: 10m]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the diagnosis to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the diagnosis to this file instead of stdout')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Set a variable for every attempt (repeatable), as `flaky run --env` (secret values are not stored with a run)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;run' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many times to run the command (with --until: at most, as --max-runs) [default: 100]')
            [CompletionResult]::new('--runs', '--runs', [CompletionResultType]::ParameterName, 'How many times to run the command (with --until: at most, as --max-runs) [default: 100]')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Stop early: as soon as every test''s verdict is settled (a sequential test per band boundary; see the README), or at the first failing attempt')
            [CompletionResult]::new('--max-runs', '--max-runs', [CompletionResultType]::ParameterName, 'With --until: the most attempts to run [default: 1000]')
            [CompletionResult]::new('--budget', '--budget', [CompletionResultType]::ParameterName, 'With --until: start no new attempt after this long, e.g. 10m (a bare number is seconds)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many attempts run at once [default: the number of available cores]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many attempts run at once [default: the number of available cores]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Kill an attempt''s whole process tree after this long, e.g. 90s, 10m (a bare number is seconds) [default: 10m; when flaky chose the command itself, the attempts started after the first one ended get 10× its time, at least 1m]')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Base seed; every attempt''s seed derives from it and the attempt index [default: random, recorded]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Set a variable for every attempt (repeatable)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run the command in this directory (and look for the config file there)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Run the command in this directory (and look for the config file there)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read the configuration from this file instead of .flaky.yml')
            [CompletionResult]::new('--order', '--order', [CompletionResultType]::ParameterName, 'Test order per attempt: keep it, shuffle it, or alternate (even attempts keep it) [default: alternate where the framework can shuffle]')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Run K attempts in each pytest process, each with its own seed and order, a fresh process every K: faster, but state outlives a test between them (module globals, caches, PYTHONHASHSEED); see the README')
            [CompletionResult]::new('--framework', '--framework', [CompletionResultType]::ParameterName, 'The test framework, when flaky cannot tell it from the command or the project')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Read per-test results from a JUnit file the command writes itself ({attempt} and {tmpdir} are replaced per attempt)')
            [CompletionResult]::new('--tests-from', '--tests-from', [CompletionResultType]::ParameterName, 'Rerun only the tests that failed or errored in this JUnit report (as CI writes it)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The report format on stdout')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the report to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to this file instead of stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a test is at or above this severity (`none`: never) [default: low]')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'After the run, render the report in this format too: to --report-output, or to stdout when the main report goes to -o FILE (`github` appends to $GITHUB_STEP_SUMMARY)')
            [CompletionResult]::new('--report-output', '--report-output', [CompletionResultType]::ParameterName, 'Where --report writes')
            [CompletionResult]::new('--diagnose', '--diagnose', [CompletionResultType]::ParameterName, 'After the run, diagnose its flaky tests by experiment, within this budget, e.g. 20m (a bare number is seconds; see `flaky diagnose`)')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Run the K-th of N equal shares of the attempts (1-based), e.g. 2/4; read from GitLab''s CI_NODE_INDEX/CI_NODE_TOTAL, Buildkite''s BUILDKITE_PARALLEL_JOB/_COUNT or a Kubernetes Indexed Job''s JOB_COMPLETION_INDEX (with FLAKY_SHARD_TOTAL) when not given. Every shard needs the same --seed')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Run the attempts on RunPod Serverless workers (key from RUNPOD_API_KEY)')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'The RunPod endpoint id')
            [CompletionResult]::new('--shards', '--shards', [CompletionResultType]::ParameterName, 'Split the attempts into this many remote jobs [default: one per worker of the endpoint]')
            [CompletionResult]::new('--queue-timeout', '--queue-timeout', [CompletionResultType]::ParameterName, 'Give a remote shard up when its job waits longer than this in RunPod''s queue, e.g. 30m (a bare number is seconds) [default: 1h]')
            [CompletionResult]::new('--shard-size', '--shard-size', [CompletionResultType]::ParameterName, 'Put this many attempts in each remote job (instead of --shards)')
            [CompletionResult]::new('--post', '--post', [CompletionResultType]::ParameterName, 'Post the report: `github` creates or updates the pull request''s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'The pull request to comment on [default: from the GitHub Actions event file]')
            [CompletionResult]::new('--mention-map', '--mention-map', [CompletionResultType]::ParameterName, 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--shell', '--shell', [CompletionResultType]::ParameterName, 'Run the command as one string with `sh -c` (never done unless asked)')
            [CompletionResult]::new('--no-scan', '--no-scan', [CompletionResultType]::ParameterName, 'Do not scan the test code for the likely causes of flaky tests after the run')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not store this run in the history database')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;ci' {
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Rerun the failed tests until each one''s verdict is settled (at most --max-runs reruns)')
            [CompletionResult]::new('--max-runs', '--max-runs', [CompletionResultType]::ParameterName, 'With --until settled: the most reruns [default: 100]')
            [CompletionResult]::new('--budget', '--budget', [CompletionResultType]::ParameterName, 'With --until settled: start no new rerun after this long, e.g. 10m (a bare number is seconds)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'How many times to rerun each test that failed [default: 3]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many reruns run at once [default: the number of available cores]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many reruns run at once [default: the number of available cores]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Kill an attempt''s whole process tree after this long, e.g. 90s, 10m (a bare number is seconds) [default: 10m; when flaky chose the command itself, the reruns get 10× the first run''s time, at least 1m]')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Base seed; the first run and every rerun derive their seeds from it [default: random, recorded]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Set a variable for every attempt (repeatable)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run the command in this directory (and look for the config file there)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Run the command in this directory (and look for the config file there)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read the configuration (and the quarantine) from this file instead of .flaky.yml')
            [CompletionResult]::new('--framework', '--framework', [CompletionResultType]::ParameterName, 'The test framework, when flaky cannot tell it from the command or the project')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The report format on stdout')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the report to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to this file instead of stdout')
            [CompletionResult]::new('--junit-output', '--junit-output', [CompletionResultType]::ParameterName, 'Write a JUnit report of the whole suite: flaky tests pass with Surefire''s flakyFailure elements, failed ones carry rerunFailure')
            [CompletionResult]::new('--github', '--github', [CompletionResultType]::ParameterName, 'GitHub Actions annotations (on stdout; on stderr when the JSON report is) and the verdicts in the step summary')
            [CompletionResult]::new('--post', '--post', [CompletionResultType]::ParameterName, 'Post the report: `github` creates or updates the pull request''s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'The pull request to comment on [default: from the GitHub Actions event file]')
            [CompletionResult]::new('--mention-map', '--mention-map', [CompletionResultType]::ParameterName, 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 when a test is flaky too, not only when one fails every rerun')
            [CompletionResult]::new('--shell', '--shell', [CompletionResultType]::ParameterName, 'Run the command as one string with `sh -c` (never done unless asked)')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not store this run in the history database')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;merge' {
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a test is at or above this severity (`none`: never) [default: the shards'' own]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The report format on stdout')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the report to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to this file instead of stdout')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Render the merged report in this format too: to --report-output, or to stdout when the main report goes to -o FILE')
            [CompletionResult]::new('--report-output', '--report-output', [CompletionResultType]::ParameterName, 'Where --report writes')
            [CompletionResult]::new('--post', '--post', [CompletionResultType]::ParameterName, 'Post the report: `github` creates or updates the pull request''s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'The pull request to comment on [default: from the GitHub Actions event file]')
            [CompletionResult]::new('--mention-map', '--mention-map', [CompletionResultType]::ParameterName, 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--no-history', '--no-history', [CompletionResultType]::ParameterName, 'Do not store the merged run in the history database')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;quarantine' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the quarantine; an expired entry is an error (exit 2)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Quarantine a test (an id or a glob) in the config file')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Take a test out of the quarantine')
            [CompletionResult]::new('suggest', 'suggest', [CompletionResultType]::ParameterValue, 'Propose the tests the history measured flaky (never the ones that always fail)')
            break
        }
        'flaky;quarantine;list' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The project directory whose .flaky.yml holds the quarantine')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The project directory whose .flaky.yml holds the quarantine')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file instead of DIR/.flaky.yml')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;quarantine;add' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why it is quarantined (an issue link, say)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Who fixes it')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'When the quarantine ends: a date (2027-01-31) or a time from today (30d, 2w; a bare number is days) [default: 30d]')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The project directory whose .flaky.yml holds the quarantine')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The project directory whose .flaky.yml holds the quarantine')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file instead of DIR/.flaky.yml')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;quarantine;remove' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The project directory whose .flaky.yml holds the quarantine')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The project directory whose .flaky.yml holds the quarantine')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file instead of DIR/.flaky.yml')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;quarantine;suggest' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only runs started within this long, e.g. 14d, 12h (a bare number is days)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The output format')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The project directory whose .flaky.yml holds the quarantine')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The project directory whose .flaky.yml holds the quarantine')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file instead of DIR/.flaky.yml')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;history' {
            [CompletionResult]::new('--causes', '--causes', [CompletionResultType]::ParameterName, 'With --tests: scan DIR''s test code (default: the current directory) and show each test''s likely cause, as `flaky scan` finds it')
            [CompletionResult]::new('--test', '--test', [CompletionResultType]::ParameterName, 'Show one test''s timeline: rate per run, direction, and when it became flaky')
            [CompletionResult]::new('--per', '--per', [CompletionResultType]::ParameterName, 'Group the trend per day or per run')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Only runs whose repository URL contains this, in any directory')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Only runs on this branch')
            [CompletionResult]::new('--command', '--command', [CompletionResultType]::ParameterName, 'Only runs whose command line contains this')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only runs from this long ago until now, e.g. 30d, 12h (a bare number is days)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show at most this many rows (runs, tests, or trend points)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--tests', '--tests', [CompletionResultType]::ParameterName, 'Show the most flaky tests across the selected runs')
            [CompletionResult]::new('--trend', '--trend', [CompletionResultType]::ParameterName, 'Show the suite''s flakiness over time and overall statistics')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Runs of every directory, not only of the current project (the git repository the current directory is in, else the current directory and below)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;report' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The report format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the report to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to this file instead of stdout')
            [CompletionResult]::new('--post', '--post', [CompletionResultType]::ParameterName, 'Post the report: `github` creates or updates the pull request''s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'The pull request to comment on [default: from the GitHub Actions event file]')
            [CompletionResult]::new('--mention-map', '--mention-map', [CompletionResultType]::ParameterName, 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;detect-framework' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;scan' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The output format (SARIF 2.1.0 for code-scanning tools)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('--ignore', '--ignore', [CompletionResultType]::ParameterName, 'Leave out files matching this glob (relative to PATH; repeatable), e.g. ''tests/legacy/**''')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the output to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output to this file instead of stdout')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Files parsed at once [default: available cores]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Files parsed at once [default: available cores]')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Print what a rule finds, why that makes tests flaky, an example and the fix, then exit')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--every', '--every', [CompletionResultType]::ParameterName, 'Show every finding: each repeat of a rule in one test (else one counts the others), and context: the random values, clock reads and state of the code tests reach, and processes run to their end (marked "context")')
            [CompletionResult]::new('--list-rules', '--list-rules', [CompletionResultType]::ParameterName, 'List the rules (id, category, severity, languages, what each finds), then exit')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'flaky;completions' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite history database [default: the user data directory''s flaky/history.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
