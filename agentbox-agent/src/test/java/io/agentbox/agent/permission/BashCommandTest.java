package io.agentbox.agent.permission;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Bash rules against the programs a command really starts. */
class BashCommandTest {
    private static final String WD = "/workspace";
    private static final List<BypassAttempts.Attempt> ATTEMPTS = BypassAttempts.ALL;

    private static boolean denied(String rule, String command) {
        return ToolRule.parse(rule).matches("Bash", Optional.of(command), WD, false);
    }

    private static boolean allowed(String command, String... rules) {
        return ToolRule.allowAll(java.util.Arrays.stream(rules).map(ToolRule::parse).toList(), "Bash", Optional.of(command), WD);
    }

    private static List<String> programs(String command) {
        BashCommand c = BashCommand.analyse(command);
        assertThat(c.unanalysable()).as(command).isEmpty();
        return c.invocations().stream().map(i -> i.program().orElse("?")).toList();
    }

    @Test
    void theTableIsLargeEnough() {
        assertThat(ATTEMPTS).hasSizeGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest
    @FieldSource("ATTEMPTS")
    void everyBypassAttemptIsDenied(BypassAttempts.Attempt attempt) {
        String cmd = attempt.command("/workspace/victim");
        assertThat(denied("Bash(rm:*)", cmd)).as(cmd).isTrue();
        assertThat(denied("Bash(/bin/rm:*)", cmd)).as("a rule naming a path compares by basename too: " + cmd).isTrue();
        assertThat(allowed(cmd, "Bash(echo:*)", "Bash(true)", "Bash(false)", "Bash(cat:*)", "Bash(printf:*)"))
                .as("never allowed by rules that do not cover rm: " + cmd).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "echo rm", "rmdir /tmp/d", "ls -l | grep rm", "command -v rm", "git rm --cached x", "echo 'rm -rf /'",
            "cat > f <<'EOF'\n$(rm x)\nEOF", "echo '$(rm x)'", "echo \\$HOME", "printf '%s\\n' \"`echo rm`\" | wc -l",
            "cd /workspace && npm test 2>&1 | tail -20", "for f in *.txt; do echo \"$f\"; done", "[ -f x ] && echo y || echo n",
            "export FOO=bar PATH=\"$PATH:/opt\"; echo ${FOO:-x} ${#FOO} ${FOO%r}", "python3 -c 'import os; print(1)'",
            "find . -name '*.java' -exec grep -l foo {} +", "xargs -0 echo < list", "timeout 5s sleep 1", "echo a{b,c}d",
            "if [ -d x ]; then cd x; elif true; then :; else exit 1; fi", "case $1 in a|b) echo ab;; *) echo other;; esac",
            "f() { echo hi; }; f", "x=1; y=$((1 + 2)); echo $x $y", "echo \"${HOME}/a\" >> ~/log 2>&1", "ls 2>/dev/null >&2 &>x <x",
            "trap - EXIT", "env FOO=1 printenv FOO", "nohup sleep 1 &", "a=$(date); echo \"$a\"", "read -r line < f; echo $line", "x=$(<f); echo \"$x\"", "> out.txt"})
    void ordinaryCommandsAreAnalysedAndNotDeniedByAnRmRule(String command) {
        assertThat(BashCommand.analyse(command).unanalysable()).as(command).isEmpty();
        assertThat(denied("Bash(rm:*)", command)).as(command).isFalse();
    }

    @Test
    void programsAreFoundThroughEveryConstruct() {
        assertThat(programs("a | b && c || d; e & f\ng")).containsExactlyInAnyOrder("a", "b", "c", "d", "e", "f", "g");
        assertThat(programs("(a; { b; }) | c $(d `e`) <(f) >(g)")).containsExactlyInAnyOrder("a", "b", "c", "d", "e", "f", "g");
        assertThat(programs("if a; then b; elif c; then d; else e; fi; while f; do g; done")).containsExactlyInAnyOrder("a", "b", "c", "d", "e", "f", "g");
        assertThat(programs("sudo -u x env A=1 nice -n 2 timeout 3 nohup command exec xargs /usr/bin/z"))
                .containsExactly("sudo", "env", "nice", "timeout", "nohup", "command", "exec", "xargs", "z");
        assertThat(programs("bash -c 'sh -c \"eval a\"'")).containsExactly("bash", "sh", "eval", "a");
        assertThat(programs("find . -exec a {} \\; -execdir b + -name c")).containsExactly("find", "a", "b");
        assertThat(programs("cat <<EOF\n$(a)\nEOF\nb")).containsExactlyInAnyOrder("cat", "a", "b");
    }

    @ParameterizedTest
    @ValueSource(strings = {"echo 'unterminated", "echo \"x", "(echo", "echo )", "if true; then echo", "{ echo; ", "echo $(", "a && ",
            "| a", "eval \"$x\"", "bash -c \"$CMD\"", "sh script.sh", "echo x | sh", "bash -s < f",
            "zsh -c 'echo'", "source ./env.sh", "x=(a b)", "echo ${!name}", "echo ${a[$i]}", "echo $((x + 1))", "let x=1",
            "declare -i n=1", "unset 'a[$(id)]'", "printf -v \"$n\" x", "test -v 'a[$(id)]'", "PS4='x' true", "export BASH_ENV=/x",
            "alias ls=rm", "env -S 'rm x'", "timeout $T rm x", "sudo -s", "select x in a; do :; done", "coproc cat",
            "for ((i=0;i<3;i++)); do :; done", "echo @(a|b)",
            ": ${PS4:=x}", "for PS4 in x; do :; done", "read BASH_CMDS", "mapfile -C cb < f", "env 'BASH_FUNC_f%%=() { :; }' bash -c f"})
    void whatTheAnalysisCannotFollowIsUnanalysableAndSoDeniedButNeverAllowed(String command) {
        assertThat(BashCommand.analyse(command).unanalysable()).as(command).isPresent();
        assertThat(denied("Bash(rm:*)", command)).as(command).isTrue();
        assertThat(denied("Bash(curl:*)", command)).as("any Bash deny rule refuses it: " + command).isTrue();
        assertThat(allowed(command, "Bash(echo:*)")).as(command).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"$(echo bash) -c 'rm x'", "$CMD x", "\"$@\"", "${X:-git} push", "~/bin/tool", "*.sh"})
    void aComputedProgramIsDeniedByAnyBashDenyRuleAndNeverAllowed(String command) {
        assertThat(denied("Bash(curl:*)", command)).as(command).isTrue();
        assertThat(allowed(command, "Bash(echo:*)", "Bash(git:*)")).as(command).isFalse();
    }

    @Test
    void hostileInputDoesNotExhaustTheParser() {
        String deep = "$(".repeat(20_000) + "rm x" + ")".repeat(20_000);
        assertThat(BashCommand.analyse(deep).unanalysable()).hasValueSatisfying(r -> assertThat(r).contains("deep"));
        String backticks = "echo " + "\\`".repeat(5_000);
        assertThat(BashCommand.analyse(backticks)).isNotNull();
        String wide = "watch ".repeat(200) + "rm x";
        assertThat(denied("Bash(rm:*)", wide)).isTrue();
        long start = System.nanoTime();
        assertThat(BashCommand.analyse("echo " + "[".repeat(200_000)).unanalysable()).isEmpty();
        assertThat(BashCommand.analyse("echo " + "{ ".repeat(100_000)).unanalysable()).isEmpty();
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).as("linear in the input").isLessThan(java.time.Duration.ofSeconds(5));
        String longList = "echo a; ".repeat(20_000);
        assertThat(BashCommand.analyse(longList).unanalysable()).isPresent();
    }

    @Test
    void denyRulesWithArgumentsTreatComputedWordsAsPossibleMatches() {
        assertThat(denied("Bash(git push:*)", "git push origin main")).isTrue();
        assertThat(denied("Bash(git push:*)", "/usr/bin/git push")).isTrue();
        assertThat(denied("Bash(git push:*)", "git status")).isFalse();
        assertThat(denied("Bash(git push:*)", "git $SUB origin")).as("$SUB may be push").isTrue();
        assertThat(denied("Bash(git push:*)", "git status $X")).isFalse();
        assertThat(denied("Bash(git push)", "git $X")).isTrue();
        assertThat(denied("Bash(npm run *)", "npm run lint")).isTrue();
        assertThat(denied("Bash(npm run *)", "npm $X")).isTrue();
        assertThat(denied("Bash(* --force)", "git push $X")).isTrue();
        assertThat(denied("Bash(curl:*)", "wget x")).isFalse();
    }

    @Test
    void allowRulesMustCoverEveryProgramEachByAnyRule() {
        assertThat(allowed("git status && npm test", "Bash(git:*)", "Bash(npm test)")).isTrue();
        assertThat(allowed("git status && npm test", "Bash(git:*)")).isFalse();
        assertThat(allowed("git log $(rm -rf /)", "Bash(git:*)")).isFalse();
        assertThat(allowed("git log $(git rev-parse HEAD)", "Bash(git:*)")).isTrue();
        assertThat(allowed("git status | rm x", "Bash(git:*)")).isFalse();
        assertThat(allowed("anything at all; rm -rf /", "Bash")).as("a plain Bash rule allows every command").isTrue();
    }

    @Test
    void allowRulesSeeThroughWrappersButNotSudoAndNeverComputedOrRelocatedPrograms() {
        assertThat(allowed("timeout 60 npm test", "Bash(npm test:*)")).isTrue();
        assertThat(allowed("env CI=1 npm test", "Bash(npm test:*)")).isTrue();
        assertThat(allowed("CI=1 npm test", "Bash(npm test:*)")).isTrue();
        assertThat(allowed("bash -c 'npm test'", "Bash(npm test:*)")).isTrue();
        assertThat(allowed("sudo npm test", "Bash(npm test:*)")).as("sudo needs its own rule").isFalse();
        assertThat(allowed("sudo npm test", "Bash(npm test:*)", "Bash(sudo:*)")).isTrue();
        assertThat(allowed("env", "Bash(npm:*)")).as("a wrapper without a command is itself the program").isFalse();
        assertThat(allowed("$NPM test", "Bash(npm:*)")).isFalse();
        assertThat(allowed("./npm test", "Bash(npm:*)")).as("a path is not the program the rule names").isFalse();
        assertThat(allowed("./gradlew build", "Bash(./gradlew:*)")).isTrue();
        assertThat(allowed("PATH=/tmp/evil:$PATH npm test", "Bash(npm:*)")).isFalse();
        assertThat(allowed("export LD_PRELOAD=/tmp/x.so; npm test", "Bash(npm:*)", "Bash(export:*)")).isFalse();
        assertThat(allowed("npm run build", "Bash(npm run *)")).isTrue();
        assertThat(allowed("npm run $X", "Bash(npm run *)")).isTrue();
        assertThat(allowed("npm $X", "Bash(npm run *)")).isFalse();
        assertThat(allowed("npm test", "Bash(npm test)")).isTrue();
        assertThat(allowed("npm test --force", "Bash(npm test)")).isFalse();
        assertThat(allowed("X=1", "Bash(echo:*)")).as("nothing the rules cover runs").isFalse();
    }

    @Test
    void decodesQuotingAsBashDoes() {
        assertThat(programs("$'\\x72\\u006d' x")).containsExactly("rm");
        assertThat(programs("\"r\"'m'\\ x y")).containsExactly("rm x");
        assertThat(programs("r\\\nm x")).containsExactly("rm");
        assertThat(programs("\"$'rm'\" x")).as("no ANSI-C quoting inside double quotes").containsExactly("$'rm'");
    }
}
