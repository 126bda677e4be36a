
use builtin;
use str;

set edit:completion:arg-completer[flaky] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'flaky'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'flaky'= {
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand run 'Run a test command many times and report how flaky it is'
            cand ci 'The CI step: run the suite once, rerun what failed, and tell a real failure from a flaky one'
            cand merge 'Join the JSON reports of a run''s shards (`flaky run --shard K/N`) into one run'
            cand quarantine 'The quarantine of `.flaky.yml`: known flaky tests whose failures do not fail `flaky ci`'
            cand history 'List the runs stored in the history database'
            cand report 'Render a stored run (default: the last one) as a report'
            cand detect-framework 'Say which test frameworks a project uses and how `flaky run` will drive them'
            cand scan 'Find the usual causes of flakiness in test code (sleeps, clocks, randomness, network, shared state...)'
            cand diagnose 'Prove why each flaky test of a stored run is flaky, by experiments (seeds, alone, order and the polluter, copies, load, time zone, locale, network)'
            cand generate 'Write the shell completions and man pages (for packagers and this repository)'
            cand worker 'Run one remote job: read it as JSON on stdin, write the result as JSON on stdout'
            cand likely-causes 'Scan DIR and join what it finds to the measured tests read as JSON on stdin; `run` does this in a child process, so nothing the scan does can take the run down'
            cand isolate 'Run a command pinned to one CPU and/or without a network (diagnose''s experiments use it)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flaky;run'= {
            cand -n 'How many times to run the command [default: 100]'
            cand --runs 'How many times to run the command [default: 100]'
            cand --until 'Stop as soon as every test''s verdict is settled (a sequential test per band boundary; see the README)'
            cand --max-runs 'With --until settled: the most attempts to run [default: 1000]'
            cand --budget 'With --until settled: start no new attempt after this long, e.g. 10m'
            cand -j 'How many attempts run at once [default: the number of available cores]'
            cand --jobs 'How many attempts run at once [default: the number of available cores]'
            cand --shard 'Run the K-th of N equal shares of the attempts (1-based), e.g. 2/4; read from GitLab''s CI_NODE_INDEX/CI_NODE_TOTAL, Buildkite''s BUILDKITE_PARALLEL_JOB/_COUNT or a Kubernetes Indexed Job''s JOB_COMPLETION_INDEX (with FLAKY_SHARD_TOTAL) when not given. Every shard needs the same --seed'
            cand --batch 'Run K attempts in each pytest process, each with its own seed and order, a fresh process every K: faster, but state outlives a test between them (module globals, caches, PYTHONHASHSEED); see the README'
            cand --timeout 'Kill an attempt''s whole process tree after this long, e.g. 90s, 10m [default: 10m]'
            cand --seed 'Base seed; every attempt''s seed derives from it and the attempt index [default: random, recorded]'
            cand --env 'Set a variable for every attempt (repeatable)'
            cand -C 'Run the command in this directory (and look for the config file there)'
            cand --dir 'Run the command in this directory (and look for the config file there)'
            cand --fail-on 'Exit 1 when a test is at or above this severity (`none`: never) [default: low]'
            cand --format 'The report format on stdout'
            cand -o 'Write the report to this file instead of stdout'
            cand --output 'Write the report to this file instead of stdout'
            cand --config 'Read the configuration from this file instead of .flaky.yml'
            cand --framework 'The test framework, when flaky cannot tell it from the command or the project'
            cand --order 'Test order per attempt: keep it, shuffle it, or alternate (even attempts keep it) [default: alternate where the framework can shuffle]'
            cand --tests-from 'Rerun only the tests that failed or errored in this JUnit report (as CI writes it)'
            cand --junit 'Read per-test results from a JUnit file the command writes itself ({attempt} and {tmpdir} are replaced per attempt)'
            cand --remote 'Run the attempts on RunPod Serverless workers (key from RUNPOD_API_KEY)'
            cand --endpoint 'The RunPod endpoint id'
            cand --report 'After the run, render the report in this format too (to --report-output, or stdout; `github` appends to $GITHUB_STEP_SUMMARY)'
            cand --report-output 'Where --report writes'
            cand --post 'Post the report: `github` creates or updates the pull request''s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL'
            cand --pr 'The pull request to comment on [default: from the GitHub Actions event file]'
            cand --mention-map 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]'
            cand --shards 'Split the attempts into this many remote jobs [default: one per worker of the endpoint]'
            cand --queue-timeout 'Give a remote shard up when its job waits longer than this in RunPod''s queue [default: 1h]'
            cand --shard-size 'Put this many attempts in each remote job (instead of --shards)'
            cand --diagnose 'After the run, diagnose its flaky tests by experiment, within this budget (see `flaky diagnose`)'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand --shell 'Run the command as one string with `sh -c` (never done unless asked)'
            cand --no-history 'Do not store this run in the history database'
            cand --no-scan 'Do not scan the test code for the likely causes of flaky tests after the run'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;ci'= {
            cand --retries 'How many times to rerun each test that failed [default: 3]'
            cand --until 'Rerun the failed tests until each one''s verdict is settled (at most --max-runs reruns)'
            cand --max-runs 'With --until settled: the most reruns [default: 100]'
            cand --budget 'With --until settled: start no new rerun after this long, e.g. 10m'
            cand --junit-output 'Write a JUnit report of the whole suite: flaky tests pass with Surefire''s flakyFailure elements, failed ones carry rerunFailure'
            cand --github 'GitHub Actions annotations (on stdout; on stderr when the JSON report is) and the verdicts in the step summary'
            cand -j 'How many reruns run at once [default: the number of available cores]'
            cand --jobs 'How many reruns run at once [default: the number of available cores]'
            cand --timeout 'Kill an attempt''s whole process tree after this long, e.g. 90s, 10m [default: 10m]'
            cand --seed 'Base seed; the first run and every rerun derive their seeds from it [default: random, recorded]'
            cand --env 'Set a variable for every attempt (repeatable)'
            cand -C 'Run the command in this directory (and look for the config file there)'
            cand --dir 'Run the command in this directory (and look for the config file there)'
            cand --format 'The report format on stdout'
            cand -o 'Write the report to this file instead of stdout'
            cand --output 'Write the report to this file instead of stdout'
            cand --config 'Read the configuration (and the quarantine) from this file instead of .flaky.yml'
            cand --framework 'The test framework, when flaky cannot tell it from the command or the project'
            cand --post 'Post the report: `github` creates or updates the pull request''s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL'
            cand --pr 'The pull request to comment on [default: from the GitHub Actions event file]'
            cand --mention-map 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand --strict 'Exit 1 when a test is flaky too, not only when one fails every rerun'
            cand --shell 'Run the command as one string with `sh -c` (never done unless asked)'
            cand --no-history 'Do not store this run in the history database'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;merge'= {
            cand --fail-on 'Exit 1 when a test is at or above this severity (`none`: never) [default: the shards'' own]'
            cand --format 'The report format on stdout'
            cand -o 'Write the report to this file instead of stdout'
            cand --output 'Write the report to this file instead of stdout'
            cand --report 'Render the merged report in this format too (to --report-output, or stdout)'
            cand --report-output 'Where --report writes'
            cand --post 'Post the report: `github` creates or updates the pull request''s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL'
            cand --pr 'The pull request to comment on [default: from the GitHub Actions event file]'
            cand --mention-map 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand --no-history 'Do not store the merged run in the history database'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;quarantine'= {
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'Show the quarantine; an expired entry is an error (exit 2)'
            cand add 'Quarantine a test (an id or a glob) in the config file'
            cand remove 'Take a test out of the quarantine'
            cand suggest 'Propose the tests the history measured flaky (never the ones that always fail)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flaky;quarantine;list'= {
            cand -C 'The project directory whose .flaky.yml holds the quarantine'
            cand --dir 'The project directory whose .flaky.yml holds the quarantine'
            cand --config 'The config file instead of DIR/.flaky.yml'
            cand --format 'The output format'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;quarantine;add'= {
            cand --reason 'Why it is quarantined (an issue link, say)'
            cand --owner 'Who fixes it'
            cand --until 'When the quarantine ends: a date (2027-01-31) or a time from today (30d, 2w) [default: 30d]'
            cand -C 'The project directory whose .flaky.yml holds the quarantine'
            cand --dir 'The project directory whose .flaky.yml holds the quarantine'
            cand --config 'The config file instead of DIR/.flaky.yml'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;quarantine;remove'= {
            cand -C 'The project directory whose .flaky.yml holds the quarantine'
            cand --dir 'The project directory whose .flaky.yml holds the quarantine'
            cand --config 'The config file instead of DIR/.flaky.yml'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;quarantine;suggest'= {
            cand --since 'Only runs started within this long, e.g. 14d'
            cand --format 'The output format'
            cand -C 'The project directory whose .flaky.yml holds the quarantine'
            cand --dir 'The project directory whose .flaky.yml holds the quarantine'
            cand --config 'The config file instead of DIR/.flaky.yml'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;quarantine;help'= {
            cand list 'Show the quarantine; an expired entry is an error (exit 2)'
            cand add 'Quarantine a test (an id or a glob) in the config file'
            cand remove 'Take a test out of the quarantine'
            cand suggest 'Propose the tests the history measured flaky (never the ones that always fail)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flaky;quarantine;help;list'= {
        }
        &'flaky;quarantine;help;add'= {
        }
        &'flaky;quarantine;help;remove'= {
        }
        &'flaky;quarantine;help;suggest'= {
        }
        &'flaky;quarantine;help;help'= {
        }
        &'flaky;history'= {
            cand --causes 'With --tests: scan DIR''s test code (default: the current directory) and show each test''s likely cause, as `flaky scan` finds it'
            cand --test 'Show one test''s timeline: rate per run, direction, and when it became flaky'
            cand --per 'Group the trend per day or per run'
            cand --repo 'Only runs whose repository URL contains this'
            cand --branch 'Only runs on this branch'
            cand --command 'Only runs whose command line contains this'
            cand --since 'Only runs from this long ago until now, e.g. 30d, 12h'
            cand --limit 'Show at most this many rows (runs, tests, or trend points)'
            cand --format 'The output format'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand --tests 'Show the most flaky tests across the selected runs'
            cand --trend 'Show the suite''s flakiness over time and overall statistics'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;report'= {
            cand --format 'The report format'
            cand -o 'Write the report to this file instead of stdout'
            cand --output 'Write the report to this file instead of stdout'
            cand --post 'Post the report: `github` creates or updates the pull request''s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL'
            cand --pr 'The pull request to comment on [default: from the GitHub Actions event file]'
            cand --mention-map 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;detect-framework'= {
            cand --format 'The output format'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;scan'= {
            cand --format 'The output format (SARIF 2.1.0 for code-scanning tools)'
            cand --fail-on 'Exit 1 when a finding is at or above this severity'
            cand --ignore 'Leave out files matching this glob (relative to PATH; repeatable), e.g. ''tests/legacy/**'''
            cand -o 'Write the output to this file instead of stdout'
            cand --output 'Write the output to this file instead of stdout'
            cand -j 'Files parsed at once [default: available cores]'
            cand --jobs 'Files parsed at once [default: available cores]'
            cand --explain 'Print what a rule finds, why that makes tests flaky, an example and the fix, then exit'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand --every 'Show every finding: each repeat of a rule in one test (else one counts the others), and context: the random values, clock reads and state of the code tests reach, and processes run to their end (marked "context")'
            cand --list-rules 'List the rules (id, category, severity, languages, what each finds), then exit'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;diagnose'= {
            cand --test 'Diagnose this test (repeatable) [default: the run''s flaky, order-dependent and contention tests]'
            cand --budget 'Start no new experiment after this long, e.g. 20m [default: 10m]'
            cand --format 'The output format'
            cand -o 'Write the diagnosis to this file instead of stdout'
            cand --output 'Write the diagnosis to this file instead of stdout'
            cand --env 'Set a variable for every attempt (repeatable), as `flaky run --env` (secret values are not stored with a run)'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;generate'= {
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand completions 'Print the completion script for a shell'
            cand man 'Write the man pages into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flaky;generate;completions'= {
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;generate;man'= {
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;generate;help'= {
            cand completions 'Print the completion script for a shell'
            cand man 'Write the man pages into a directory'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flaky;generate;help;completions'= {
        }
        &'flaky;generate;help;man'= {
        }
        &'flaky;generate;help;help'= {
        }
        &'flaky;worker'= {
            cand --work-dir 'Where checkouts go [default: the temporary directory]'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand --allow-file-urls 'Accept file:// repositories (local setups and tests)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;likely-causes'= {
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;isolate'= {
            cand --cpu 'Pin the command (and what it starts) to this CPU'
            cand --db 'SQLite history database [default: the user data directory''s flaky/history.db]'
            cand --color 'When to colour the output (NO_COLOR is honoured with `auto`)'
            cand --no-network 'Give the command a network namespace of its own, with only a loopback'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --no-progress 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'flaky;help'= {
            cand run 'Run a test command many times and report how flaky it is'
            cand ci 'The CI step: run the suite once, rerun what failed, and tell a real failure from a flaky one'
            cand merge 'Join the JSON reports of a run''s shards (`flaky run --shard K/N`) into one run'
            cand quarantine 'The quarantine of `.flaky.yml`: known flaky tests whose failures do not fail `flaky ci`'
            cand history 'List the runs stored in the history database'
            cand report 'Render a stored run (default: the last one) as a report'
            cand detect-framework 'Say which test frameworks a project uses and how `flaky run` will drive them'
            cand scan 'Find the usual causes of flakiness in test code (sleeps, clocks, randomness, network, shared state...)'
            cand diagnose 'Prove why each flaky test of a stored run is flaky, by experiments (seeds, alone, order and the polluter, copies, load, time zone, locale, network)'
            cand generate 'Write the shell completions and man pages (for packagers and this repository)'
            cand worker 'Run one remote job: read it as JSON on stdin, write the result as JSON on stdout'
            cand likely-causes 'Scan DIR and join what it finds to the measured tests read as JSON on stdin; `run` does this in a child process, so nothing the scan does can take the run down'
            cand isolate 'Run a command pinned to one CPU and/or without a network (diagnose''s experiments use it)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'flaky;help;run'= {
        }
        &'flaky;help;ci'= {
        }
        &'flaky;help;merge'= {
        }
        &'flaky;help;quarantine'= {
            cand list 'Show the quarantine; an expired entry is an error (exit 2)'
            cand add 'Quarantine a test (an id or a glob) in the config file'
            cand remove 'Take a test out of the quarantine'
            cand suggest 'Propose the tests the history measured flaky (never the ones that always fail)'
        }
        &'flaky;help;quarantine;list'= {
        }
        &'flaky;help;quarantine;add'= {
        }
        &'flaky;help;quarantine;remove'= {
        }
        &'flaky;help;quarantine;suggest'= {
        }
        &'flaky;help;history'= {
        }
        &'flaky;help;report'= {
        }
        &'flaky;help;detect-framework'= {
        }
        &'flaky;help;scan'= {
        }
        &'flaky;help;diagnose'= {
        }
        &'flaky;help;generate'= {
            cand completions 'Print the completion script for a shell'
            cand man 'Write the man pages into a directory'
        }
        &'flaky;help;generate;completions'= {
        }
        &'flaky;help;generate;man'= {
        }
        &'flaky;help;worker'= {
        }
        &'flaky;help;likely-causes'= {
        }
        &'flaky;help;isolate'= {
        }
        &'flaky;help;help'= {
        }
    ]
    $completions[$command]
}
