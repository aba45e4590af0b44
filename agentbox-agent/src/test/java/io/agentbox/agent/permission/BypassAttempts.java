package io.agentbox.agent.permission;

import java.util.List;

/**
 * Ways to run {@code rm} past a {@code Bash(rm:*)} deny rule. Each {@code %s} is the path of a file
 * the attempt deletes if it runs; {@code runsInSandbox} says whether the sandbox has what the attempt
 * needs (so that a control run without the rule can show that it really deletes the file).
 */
public final class BypassAttempts {
    public record Attempt(String template, boolean runsInSandbox) {
        public String command(String victim) {
            return template.replace("%s", victim);
        }

        @Override
        public String toString() {
            return template.replace("\n", "\\n");
        }
    }

    private BypassAttempts() {}

    private static Attempt a(String template) {
        return new Attempt(template, true);
    }

    /** Needs a program the sandbox lacks (sudo, busybox): still refused, but the control cannot run it. */
    private static Attempt absent(String template) {
        return new Attempt(template, false);
    }

    public static final List<Attempt> ALL = List.of(
            a("rm %s"),
            a("rm -f %s"),
            a("/bin/rm %s"),
            a("/usr/bin/rm %s"),
            a("/bin/../bin/rm %s"),
            a("\"/bin/rm\" %s"),
            a("command rm %s"),
            a("command -p rm %s"),
            a("command exec rm %s"),
            a("builtin command rm %s"),
            a("X=1 rm %s"),
            a("X=1 Y=\"a b\" /bin/rm %s"),
            a("(rm %s)"),
            a("( (rm %s) )"),
            a("{ rm %s; }"),
            a("echo hi; rm %s"),
            a("echo hi\nrm %s"),
            a("echo hi \\\n; rm %s"),
            a("echo | rm %s"),
            a("echo |& rm %s"),
            a("true && rm %s"),
            a("false || rm %s"),
            a("! rm %s"),
            a("rm %s & wait"),
            a("time rm %s"),
            a("bash -c 'rm %s'"),
            a("sh -c \"echo; rm %s\""),
            a("bash -ec 'rm %s'"),
            a("bash -c \"bash -c 'rm %s'\""),
            a("bash -c 'eval \"rm %s\"'"),
            a("echo $(rm %s)"),
            a("echo \"$(rm %s)\""),
            a("x=$(rm %s)"),
            a("echo `rm %s`"),
            a("echo \"`rm %s`\""),
            a("cat <(rm %s)"),
            a("cat < <(rm %s)"),
            a("exec 3< <(rm %s)"),
            a("echo ${X:-$(rm %s)}"),
            a("cat <<EOF\n$(rm %s)\nEOF"),
            a("env rm %s"),
            a("env -i PATH=/usr/bin:/bin rm %s"),
            a("env -u HOME -- rm %s"),
            a("nohup rm %s"),
            a("nohup -- rm %s"),
            a("exec rm %s"),
            a("exec -a other rm %s"),
            a("timeout 5 rm %s"),
            a("timeout -s KILL -k 1 5 rm %s"),
            a("timeout --signal=TERM 5 rm %s"),
            a("nice -n 1 rm %s"),
            a("nice -5 rm %s"),
            a("nice --adjustment=2 rm %s"),
            a("setsid rm %s"),
            a("stdbuf -o0 rm %s"),
            a("echo %s | xargs rm"),
            a("xargs rm <<< %s"),
            a("echo %s | xargs -n 1 -r rm -f"),
            a("echo %s | xargs -I{} rm {}"),
            a("echo %s | xargs sh -c 'rm \"$@\"' _"),
            absent("sudo rm %s"),
            absent("sudo -u root -- rm %s"),
            absent("sudo HOME=/tmp rm %s"),
            absent("busybox rm %s"),
            a("r\"\"m %s"),
            a("'rm' %s"),
            a("\\rm %s"),
            a("r\\m %s"),
            a("$'\\x72m' %s"),
            a("$'\\162m' %s"),
            a("\"r\"'m' %s"),
            a("eval rm %s"),
            a("eval 'rm %s'"),
            a("CMD=rm; $CMD %s"),
            a("CMD=rm; ${CMD} %s"),
            a("CMD=rm; \"$CMD\" %s"),
            a("${CMD:-rm} %s"),
            a("$(echo rm) %s"),
            a("`echo rm` %s"),
            a("/bin/[r]m %s"),
            a("/bin/r[m] %s"),
            a("/bin/r[m' '] %s"),
            a("{rm,} %s"),
            a("echo rm %s | sh"),
            a("echo rm %s | bash"),
            a("sh <<EOF\nrm %s\nEOF"),
            a("bash <<< 'rm %s'"),
            a("printf 'rm %s' > /tmp/s.sh; sh /tmp/s.sh"),
            a("printf 'rm %s' > /tmp/s.sh; . /tmp/s.sh"),
            a("printf 'rm %s' > /tmp/s.sh; source /tmp/s.sh"),
            a("f() { rm %s; }; f"),
            a("function g { rm %s; }; g"),
            a("if true; then rm %s; fi"),
            a("if false; then :; else rm %s; fi"),
            a("while true; do rm %s; break; done"),
            a("until rm %s; do :; done"),
            a("for f in %s; do rm $f; done"),
            a("case x in x) rm %s;; esac"),
            a("trap 'rm %s' EXIT"),
            a("find %s -exec rm {} \\;"),
            a("find %s -exec /bin/rm -f {} +"),
            a("shopt -s expand_aliases; alias r=rm\nr %s"),
            a("declare -n r=PS4; r='$(rm %s)'; set -x; true"),
            a("PS4='$(rm %s)'; set -x; true"),
            a("printf 'rm %s' > /tmp/e.sh; BASH_ENV=/tmp/e.sh bash -c true"),
            a("bash -lc 'rm %s'"),
            a("a=(rm %s); \"${a[@]}\""),
            a("set -- rm %s; \"$@\""),
            a("[[ $(rm %s) ]]"),
            a("(( $(rm %s) 1 ))"),
            a("echo $(( $(rm %s) + 1 ))"),
            a("hash -p /bin/rm ls; ls %s"),
            a("flock /tmp/l rm %s"),
            a("flock /tmp/l -c 'rm %s'"),
            a("env 'BASH_FUNC_x%%=() { rm %s; }' bash -c x"),
            a("BASH_CMDS[zz]=/bin/rm; zz %s"),
            a("read -r BASH_CMDS <<< /bin/rm; 0 %s"),
            a("for PS4 in '$(rm %s)'; do set -x; true; done"),
            a("unset PS4; : ${PS4:='$(rm %s)'}; set -x; true"),
            a("printf -v PS4 '$(rm %s)'; set -x; true"),
            a("echo x > /tmp/m; mapfile -C 'rm %s #' -c 1 < /tmp/m"),
            a("rm %s # trailing comment"),
            a("  rm   %s  "));
}
