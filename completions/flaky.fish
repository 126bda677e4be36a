# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_flaky_global_optspecs
    string join \n db= q/quiet no-progress color= h/help V/version
end

function __fish_flaky_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_flaky_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_flaky_using_subcommand
    set -l cmd (__fish_flaky_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c flaky -n "__fish_flaky_needs_command" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_needs_command" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_needs_command" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_needs_command" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_needs_command" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_needs_command" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "dashboard" -d 'Write the history as one self-contained HTML page: trend, most flaky tests, runs'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "diagnose" -d 'Prove why each flaky test of a stored run is flaky, by experiments (seeds, alone, order and the polluter, copies, load, time zone, locale, network)'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "run" -d 'Run a test command many times and report how flaky it is'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "ci" -d 'The CI step: run the suite once, rerun what failed, and tell a real failure from a flaky one'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "merge" -d 'Join the JSON reports of a run\'s shards (`flaky run --shard K/N`) into one run'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "quarantine" -d 'The quarantine of `.flaky.yml`: known flaky tests whose failures do not fail `flaky ci`'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "history" -d 'List the runs stored in the history database'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "report" -d 'Render a stored run (default: the last one) as a report'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "detect-framework" -d 'Say which test frameworks a project uses and how `flaky run` will drive them'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "scan" -d 'Find the usual causes of flakiness in test code (sleeps, clocks, randomness, network, shared state...)'
complete -c flaky -n "__fish_flaky_needs_command" -f -a "completions" -d 'Print the completion script for a shell'
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -l repo -d 'Only runs whose repository URL contains this, in any directory' -r
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -l branch -d 'Only runs on this branch' -r
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -l command -d 'Only runs whose command line contains this' -r
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -l since -d 'Only runs from this long ago until now, e.g. 30d, 12h (a bare number is days)' -r
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -l causes -d 'Scan DIR\'s test code (default: the current directory) for each test\'s likely cause, as `flaky scan` finds it, instead of the causes stored with the runs' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -s o -l output -d 'Write the page to this file (`-` for stdout)' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -l all -d 'Runs of every directory, not only of the current project (the git repository the current directory is in, else the current directory and below)'
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_using_subcommand dashboard" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -l test -d 'Diagnose this test (repeatable) [default: the run\'s flaky, order-dependent and contention tests]' -r
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -l budget -d 'Start no new experiment after this long, e.g. 20m (a bare number is seconds) [default: 10m]' -r
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -l format -d 'The output format' -r -f -a "table\t''
json\t''
markdown\t''
html\t''"
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -s o -l output -d 'Write the diagnosis to this file instead of stdout' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -l env -d 'Set a variable for every attempt (repeatable), as `flaky run --env` (secret values are not stored with a run)' -r
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_using_subcommand diagnose" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand run" -s n -l runs -d 'How many times to run the command (with --until: at most, as --max-runs) [default: 100]' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l until -d 'Stop early: as soon as every test\'s verdict is settled (a sequential test per band boundary; see the README), or at the first failing attempt' -r -f -a "settled\t'Every test\'s verdict is settled'
first-failure\t'An attempt failed: no new attempt starts, the running ones are stopped, and the report shows the failure with its replay line (as `go test -failfast` in a loop)'"
complete -c flaky -n "__fish_flaky_using_subcommand run" -l max-runs -d 'With --until: the most attempts to run [default: 1000]' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l budget -d 'With --until: start no new attempt after this long, e.g. 10m (a bare number is seconds)' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -s j -l jobs -d 'How many attempts run at once [default: the number of available cores]' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l timeout -d 'Kill an attempt\'s whole process tree after this long, e.g. 90s, 10m (a bare number is seconds) [default: 10m; when flaky chose the command itself, the attempts started after the first one ended get 10× its time, at least 1m]' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l seed -d 'Base seed; every attempt\'s seed derives from it and the attempt index [default: random, recorded]' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l env -d 'Set a variable for every attempt (repeatable)' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -s C -l dir -d 'Run the command in this directory (and look for the config file there)' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand run" -l config -d 'Read the configuration from this file instead of .flaky.yml' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand run" -l order -d 'Test order per attempt: keep it, shuffle it, or alternate (even attempts keep it) [default: alternate where the framework can shuffle]' -r -f -a "same\t''
shuffle\t''
alternate\t''"
complete -c flaky -n "__fish_flaky_using_subcommand run" -l batch -d 'Run K attempts in each pytest process, each with its own seed and order, a fresh process every K: faster, but state outlives a test between them (module globals, caches, PYTHONHASHSEED); see the README' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l framework -d 'The test framework, when flaky cannot tell it from the command or the project' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l junit -d 'Read per-test results from a JUnit file the command writes itself ({attempt} and {tmpdir} are replaced per attempt)' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l tests-from -d 'Rerun only the tests that failed or errored in this JUnit report (as CI writes it)' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand run" -l format -d 'The report format on stdout' -r -f -a "table\t''
json\t''"
complete -c flaky -n "__fish_flaky_using_subcommand run" -s o -l output -d 'Write the report to this file instead of stdout' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand run" -l fail-on -d 'Exit 1 when a test is at or above this severity (`none`: never) [default: low]' -r -f -a "critical\t''
high\t''
medium\t''
low\t''
none\t''"
complete -c flaky -n "__fish_flaky_using_subcommand run" -l report -d 'After the run, render the report in this format too: to --report-output, or to stdout when the main report goes to -o FILE (`github` appends to $GITHUB_STEP_SUMMARY)' -r -f -a "table\t'The terminal report `flaky run` prints'
json\t'The JSON document of `flaky run --format json`'
markdown\t'A pull-request comment'
junit\t'JUnit XML with Surefire\'s flakyFailure/rerunFailure elements, for CI test views'
slack\t'A Slack Block Kit message (JSON)'
github\t'The GitHub Actions step summary (appended to $GITHUB_STEP_SUMMARY when it is set)'
html\t'One self-contained HTML page with charts'"
complete -c flaky -n "__fish_flaky_using_subcommand run" -l report-output -d 'Where --report writes' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand run" -l diagnose -d 'After the run, diagnose its flaky tests by experiment, within this budget, e.g. 20m (a bare number is seconds; see `flaky diagnose`)' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l shard -d 'Run the K-th of N equal shares of the attempts (1-based), e.g. 2/4; read from GitLab\'s CI_NODE_INDEX/CI_NODE_TOTAL, Buildkite\'s BUILDKITE_PARALLEL_JOB/_COUNT or a Kubernetes Indexed Job\'s JOB_COMPLETION_INDEX (with FLAKY_SHARD_TOTAL) when not given. Every shard needs the same --seed' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l remote -d 'Run the attempts on RunPod Serverless workers (key from RUNPOD_API_KEY)' -r -f -a "runpod\t''"
complete -c flaky -n "__fish_flaky_using_subcommand run" -l endpoint -d 'The RunPod endpoint id' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l shards -d 'Split the attempts into this many remote jobs [default: one per worker of the endpoint]' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l queue-timeout -d 'Give a remote shard up when its job waits longer than this in RunPod\'s queue, e.g. 30m (a bare number is seconds) [default: 1h]' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l shard-size -d 'Put this many attempts in each remote job (instead of --shards)' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l post -d 'Post the report: `github` creates or updates the pull request\'s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL' -r -f -a "github\t''
slack\t''
discord\t''"
complete -c flaky -n "__fish_flaky_using_subcommand run" -l pr -d 'The pull request to comment on [default: from the GitHub Actions event file]' -r
complete -c flaky -n "__fish_flaky_using_subcommand run" -l mention-map -d 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand run" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand run" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand run" -l shell -d 'Run the command as one string with `sh -c` (never done unless asked)'
complete -c flaky -n "__fish_flaky_using_subcommand run" -l no-scan -d 'Do not scan the test code for the likely causes of flaky tests after the run'
complete -c flaky -n "__fish_flaky_using_subcommand run" -l no-history -d 'Do not store this run in the history database'
complete -c flaky -n "__fish_flaky_using_subcommand run" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand run" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flaky -n "__fish_flaky_using_subcommand run" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l until -d 'Rerun the failed tests until each one\'s verdict is settled (at most --max-runs reruns)' -r -f -a "settled\t'Every rerun test\'s verdict is settled'"
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l max-runs -d 'With --until settled: the most reruns [default: 100]' -r
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l budget -d 'With --until settled: start no new rerun after this long, e.g. 10m (a bare number is seconds)' -r
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l retries -d 'How many times to rerun each test that failed [default: 3]' -r
complete -c flaky -n "__fish_flaky_using_subcommand ci" -s j -l jobs -d 'How many reruns run at once [default: the number of available cores]' -r
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l timeout -d 'Kill an attempt\'s whole process tree after this long, e.g. 90s, 10m (a bare number is seconds) [default: 10m; when flaky chose the command itself, the reruns get 10× the first run\'s time, at least 1m]' -r
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l seed -d 'Base seed; the first run and every rerun derive their seeds from it [default: random, recorded]' -r
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l env -d 'Set a variable for every attempt (repeatable)' -r
complete -c flaky -n "__fish_flaky_using_subcommand ci" -s C -l dir -d 'Run the command in this directory (and look for the config file there)' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l config -d 'Read the configuration (and the quarantine) from this file instead of .flaky.yml' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l framework -d 'The test framework, when flaky cannot tell it from the command or the project' -r
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l format -d 'The report format on stdout' -r -f -a "table\t''
json\t''"
complete -c flaky -n "__fish_flaky_using_subcommand ci" -s o -l output -d 'Write the report to this file instead of stdout' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l junit-output -d 'Write a JUnit report of the whole suite: flaky tests pass with Surefire\'s flakyFailure elements, failed ones carry rerunFailure' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l github -d 'GitHub Actions annotations (on stdout; on stderr when the JSON report is) and the verdicts in the step summary' -r -f -a "auto\t'When GITHUB_ACTIONS is `true`'
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l post -d 'Post the report: `github` creates or updates the pull request\'s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL' -r -f -a "github\t''
slack\t''
discord\t''"
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l pr -d 'The pull request to comment on [default: from the GitHub Actions event file]' -r
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l mention-map -d 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l strict -d 'Exit 1 when a test is flaky too, not only when one fails every rerun'
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l shell -d 'Run the command as one string with `sh -c` (never done unless asked)'
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l no-history -d 'Do not store this run in the history database'
complete -c flaky -n "__fish_flaky_using_subcommand ci" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand ci" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand ci" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flaky -n "__fish_flaky_using_subcommand ci" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l fail-on -d 'Exit 1 when a test is at or above this severity (`none`: never) [default: the shards\' own]' -r -f -a "critical\t''
high\t''
medium\t''
low\t''
none\t''"
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l format -d 'The report format on stdout' -r -f -a "table\t''
json\t''"
complete -c flaky -n "__fish_flaky_using_subcommand merge" -s o -l output -d 'Write the report to this file instead of stdout' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l report -d 'Render the merged report in this format too: to --report-output, or to stdout when the main report goes to -o FILE' -r -f -a "table\t'The terminal report `flaky run` prints'
json\t'The JSON document of `flaky run --format json`'
markdown\t'A pull-request comment'
junit\t'JUnit XML with Surefire\'s flakyFailure/rerunFailure elements, for CI test views'
slack\t'A Slack Block Kit message (JSON)'
github\t'The GitHub Actions step summary (appended to $GITHUB_STEP_SUMMARY when it is set)'
html\t'One self-contained HTML page with charts'"
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l report-output -d 'Where --report writes' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l post -d 'Post the report: `github` creates or updates the pull request\'s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL' -r -f -a "github\t''
slack\t''
discord\t''"
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l pr -d 'The pull request to comment on [default: from the GitHub Actions event file]' -r
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l mention-map -d 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l no-history -d 'Do not store the merged run in the history database'
complete -c flaky -n "__fish_flaky_using_subcommand merge" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand merge" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flaky -n "__fish_flaky_using_subcommand merge" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and not __fish_seen_subcommand_from list add remove suggest" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and not __fish_seen_subcommand_from list add remove suggest" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and not __fish_seen_subcommand_from list add remove suggest" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and not __fish_seen_subcommand_from list add remove suggest" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and not __fish_seen_subcommand_from list add remove suggest" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and not __fish_seen_subcommand_from list add remove suggest" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and not __fish_seen_subcommand_from list add remove suggest" -f -a "list" -d 'Show the quarantine; an expired entry is an error (exit 2)'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and not __fish_seen_subcommand_from list add remove suggest" -f -a "add" -d 'Quarantine a test (an id or a glob) in the config file'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and not __fish_seen_subcommand_from list add remove suggest" -f -a "remove" -d 'Take a test out of the quarantine'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and not __fish_seen_subcommand_from list add remove suggest" -f -a "suggest" -d 'Propose the tests the history measured flaky (never the ones that always fail)'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from list" -s C -l dir -d 'The project directory whose .flaky.yml holds the quarantine' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from list" -l config -d 'The config file instead of DIR/.flaky.yml' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from list" -l format -d 'The output format' -r -f -a "table\t''
json\t''"
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from list" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from list" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from list" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -l reason -d 'Why it is quarantined (an issue link, say)' -r
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -l owner -d 'Who fixes it' -r
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -l until -d 'When the quarantine ends: a date (2027-01-31) or a time from today (30d, 2w; a bare number is days) [default: 30d]' -r
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -s C -l dir -d 'The project directory whose .flaky.yml holds the quarantine' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -l config -d 'The config file instead of DIR/.flaky.yml' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from remove" -s C -l dir -d 'The project directory whose .flaky.yml holds the quarantine' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from remove" -l config -d 'The config file instead of DIR/.flaky.yml' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from remove" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from remove" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from remove" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from suggest" -l since -d 'Only runs started within this long, e.g. 14d, 12h (a bare number is days)' -r
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from suggest" -l format -d 'The output format' -r -f -a "table\t''
json\t''"
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from suggest" -s C -l dir -d 'The project directory whose .flaky.yml holds the quarantine' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from suggest" -l config -d 'The config file instead of DIR/.flaky.yml' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from suggest" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from suggest" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from suggest" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from suggest" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from suggest" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_using_subcommand quarantine; and __fish_seen_subcommand_from suggest" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand history" -l causes -d 'With --tests: scan DIR\'s test code (default: the current directory) and show each test\'s likely cause, as `flaky scan` finds it' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand history" -l test -d 'Show one test\'s timeline: rate per run, direction, and when it became flaky' -r
complete -c flaky -n "__fish_flaky_using_subcommand history" -l per -d 'Group the trend per day or per run' -r -f -a "day\t''
run\t''"
complete -c flaky -n "__fish_flaky_using_subcommand history" -l repo -d 'Only runs whose repository URL contains this, in any directory' -r
complete -c flaky -n "__fish_flaky_using_subcommand history" -l branch -d 'Only runs on this branch' -r
complete -c flaky -n "__fish_flaky_using_subcommand history" -l command -d 'Only runs whose command line contains this' -r
complete -c flaky -n "__fish_flaky_using_subcommand history" -l since -d 'Only runs from this long ago until now, e.g. 30d, 12h (a bare number is days)' -r
complete -c flaky -n "__fish_flaky_using_subcommand history" -l limit -d 'Show at most this many rows (runs, tests, or trend points)' -r
complete -c flaky -n "__fish_flaky_using_subcommand history" -l format -d 'The output format' -r -f -a "table\t''
json\t''"
complete -c flaky -n "__fish_flaky_using_subcommand history" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand history" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand history" -l tests -d 'Show the most flaky tests across the selected runs'
complete -c flaky -n "__fish_flaky_using_subcommand history" -l trend -d 'Show the suite\'s flakiness over time and overall statistics'
complete -c flaky -n "__fish_flaky_using_subcommand history" -l all -d 'Runs of every directory, not only of the current project (the git repository the current directory is in, else the current directory and below)'
complete -c flaky -n "__fish_flaky_using_subcommand history" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand history" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand history" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_using_subcommand history" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand report" -l format -d 'The report format' -r -f -a "table\t'The terminal report `flaky run` prints'
json\t'The JSON document of `flaky run --format json`'
markdown\t'A pull-request comment'
junit\t'JUnit XML with Surefire\'s flakyFailure/rerunFailure elements, for CI test views'
slack\t'A Slack Block Kit message (JSON)'
github\t'The GitHub Actions step summary (appended to $GITHUB_STEP_SUMMARY when it is set)'
html\t'One self-contained HTML page with charts'"
complete -c flaky -n "__fish_flaky_using_subcommand report" -s o -l output -d 'Write the report to this file instead of stdout' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand report" -l post -d 'Post the report: `github` creates or updates the pull request\'s flaky comment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL); `slack` posts to SLACK_WEBHOOK_URL; `discord` posts to DISCORD_WEBHOOK_URL' -r -f -a "github\t''
slack\t''
discord\t''"
complete -c flaky -n "__fish_flaky_using_subcommand report" -l pr -d 'The pull request to comment on [default: from the GitHub Actions event file]' -r
complete -c flaky -n "__fish_flaky_using_subcommand report" -l mention-map -d 'Author-to-Slack-id map (JSON or YAML) for mentions in Slack reports [default: GITHUB_SLACK_MAP]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand report" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand report" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand report" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand report" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flaky -n "__fish_flaky_using_subcommand report" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand detect-framework" -l format -d 'The output format' -r -f -a "table\t''
json\t''"
complete -c flaky -n "__fish_flaky_using_subcommand detect-framework" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand detect-framework" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand detect-framework" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand detect-framework" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand detect-framework" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_using_subcommand detect-framework" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand scan" -l format -d 'The output format (SARIF 2.1.0 for code-scanning tools)' -r -f -a "table\t''
json\t''
sarif\t'SARIF 2.1.0, for GitHub code scanning and other tools'"
complete -c flaky -n "__fish_flaky_using_subcommand scan" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
high\t''
medium\t''
low\t''
none\t''"
complete -c flaky -n "__fish_flaky_using_subcommand scan" -l ignore -d 'Leave out files matching this glob (relative to PATH; repeatable), e.g. \'tests/legacy/**\'' -r
complete -c flaky -n "__fish_flaky_using_subcommand scan" -s o -l output -d 'Write the output to this file instead of stdout' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand scan" -s j -l jobs -d 'Files parsed at once [default: available cores]' -r
complete -c flaky -n "__fish_flaky_using_subcommand scan" -l explain -d 'Print what a rule finds, why that makes tests flaky, an example and the fix, then exit' -r
complete -c flaky -n "__fish_flaky_using_subcommand scan" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand scan" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand scan" -l every -d 'Show every finding: each repeat of a rule in one test (else one counts the others), and context: the random values, clock reads and state of the code tests reach, and processes run to their end (marked "context")'
complete -c flaky -n "__fish_flaky_using_subcommand scan" -l list-rules -d 'List the rules (id, category, severity, languages, what each finds), then exit'
complete -c flaky -n "__fish_flaky_using_subcommand scan" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand scan" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flaky -n "__fish_flaky_using_subcommand scan" -s V -l version -d 'Print version'
complete -c flaky -n "__fish_flaky_using_subcommand completions" -l db -d 'SQLite history database [default: the user data directory\'s flaky/history.db]' -r -F
complete -c flaky -n "__fish_flaky_using_subcommand completions" -l color -d 'When to colour the output (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flaky -n "__fish_flaky_using_subcommand completions" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c flaky -n "__fish_flaky_using_subcommand completions" -l no-progress -d 'Hide the progress bar (it is hidden anyway when stderr is not a terminal)'
complete -c flaky -n "__fish_flaky_using_subcommand completions" -s h -l help -d 'Print help'
complete -c flaky -n "__fish_flaky_using_subcommand completions" -s V -l version -d 'Print version'
