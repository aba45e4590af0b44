package io.agentbox.agent.permission;

import io.agentbox.agent.permission.BashCommand.Invocation;
import io.agentbox.agent.permission.ShellParser.SimpleCommand;
import io.agentbox.agent.permission.ShellParser.Unanalysable;
import io.agentbox.agent.permission.ShellParser.Word;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Walks a parsed script ({@link ShellParser}) and collects the {@link BashCommand.Invocation}s it may
 * start, looking through wrappers, shell strings and {@code find -exec}; throws for what it cannot follow.
 */
final class BashAnalysis {
    /** Variables that make bash run code taken from their values or from files the analysis cannot see. */
    private static final Set<String> CODE_VARIABLES = Set.of("PS0", "PS1", "PS2", "PS3", "PS4", "PROMPT_COMMAND",
            "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "BASH_LOADABLES_PATH", "BASH_CMDS", "BASH_ALIASES");
    private static final int MAX_INVOCATIONS = 2_000;
    /** Shells whose -c string is bash syntax. */
    private static final Set<String> POSIX_SHELLS = Set.of("sh", "bash", "dash", "ash", "rbash");
    /** Shells with a grammar of their own: their strings cannot be checked. */
    private static final Set<String> OTHER_SHELLS = Set.of("zsh", "ksh", "ksh93", "mksh", "pdksh", "fish", "csh", "tcsh",
            "yash", "posh", "elvish", "nu", "xonsh", "pwsh");
    /**
     * Programs that run a command taken from their arguments, whose options the analysis does not
     * know: every later word (and every argument that reads as a script) is treated as a possible program.
     */
    private static final Set<String> RUNNERS = Set.of("strace", "ltrace", "chroot", "flock", "ionice", "chrt", "taskset",
            "unshare", "nsenter", "setpriv", "watch", "parallel", "runuser", "su", "script", "fakeroot", "faketime",
            "firejail", "proot", "gdb", "valgrind", "perf", "torsocks", "proxychains", "proxychains4", "xvfb-run",
            "dbus-run-session", "catchsegv", "rlwrap", "unbuffer", "pkexec", "systemd-run", "sg", "numactl", "cgexec",
            "prlimit", "nocache", "eatmydata", "chpst", "setuidgid", "envdir", "softlimit", "daemonize",
            "start-stop-daemon", "with-lock-ex", "lckdo", "ts", "pv", "entr", "inotifywait", "expect", "tmux", "screen");

    final List<Invocation> found = new ArrayList<>();
    boolean changesLookup;

    void script(String text, int depth) throws Unanalysable {
        for (SimpleCommand sc : ShellParser.parse(text, depth)) {
            for (Word a : sc.assignments()) assignment(a.assignmentName().orElseThrow());
            if (!sc.words().isEmpty()) invoke(sc.words(), depth);
        }
    }

    private void assignment(String name) throws Unanalysable {
        if (CODE_VARIABLES.contains(name) || name.startsWith("BASH_FUNC_")) {
            throw new Unanalysable("sets " + name + ", which makes bash run code the analysis cannot see");
        }
        if (name.equals("PATH") || name.startsWith("LD_") || name.equals("GCONV_PATH")) {
            changesLookup = true;
        }
    }

    /** Records the program that {@code words} starts, then looks into what it runs in turn. */
    private void invoke(List<Word> words, int depth) throws Unanalysable {
        if (depth > 40) throw new Unanalysable("nests too deeply");
        if (found.size() > MAX_INVOCATIONS) throw new Unanalysable("starts more programs than the analysis follows");
        Word first = words.getFirst();
        List<Optional<String>> args = words.subList(1, words.size()).stream()
                .map(w -> w.isStatic() ? Optional.of(w.text()) : Optional.<String>empty()).toList();
        if (!first.isStatic()) {
            found.add(new Invocation(Optional.empty(), args, false));
            return;
        }
        int self = found.size();
        found.add(new Invocation(Optional.of(first.text()), args, false));
        String name = BashCommand.basename(first.text());
        switch (name) {
            case "command" -> {
                Options o = Options.parse(words, 1, name, "pvV", "", Set.of(), Set.of());
                // command -v / -V only looks a name up
                if (!o.flags().contains("v") && !o.flags().contains("V")) inner(words, o.next(), self, depth);
            }
            case "builtin" -> inner(words, Options.parse(words, 1, name, "", "", Set.of(), Set.of()).next(), self, depth);
            case "exec" -> inner(words, Options.parse(words, 1, name, "cl", "a", Set.of(), Set.of()).next(), self, depth);
            case "nohup" -> inner(words, Options.parse(words, 1, name, "", "", Set.of(), Set.of()).next(), self, depth);
            case "env" -> env(words, self, depth);
            case "timeout" -> {
                int i = Options.parse(words, 1, name, "v", "sk", Set.of("preserve-status", "foreground", "verbose"),
                        Set.of("signal", "kill-after")).next();
                if (i < words.size()) {
                    requireStatic(words.get(i), name);
                    inner(words, i + 1, self, depth);
                }
            }
            case "nice" -> nice(words, self, depth);
            case "xargs" -> xargs(words, self, depth);
            case "sudo" -> sudo(words, self, depth);
            case "doas" -> {
                Options o = Options.parse(words, 1, name, "nLs", "uC", Set.of(), Set.of());
                if (o.flags().contains("s") || o.value("C").isPresent()) throw new Unanalysable("runs doas with a shell or config the analysis cannot see");
                inner(words, o.next(), self, depth);
            }
            case "time" -> inner(words, Options.parse(words, 1, name, "pvqa", "of",
                    Set.of("append", "verbose", "portability", "quiet"), Set.of("format", "output")).next(), self, depth);
            case "setsid" -> inner(words, Options.parse(words, 1, name, "cfw", "", Set.of("ctty", "fork", "wait"), Set.of()).next(), self, depth);
            case "stdbuf" -> inner(words, Options.parse(words, 1, name, "", "ioe", Set.of(), Set.of("input", "output", "error")).next(), self, depth);
            case "busybox" -> {
                if (words.size() > 1 && !(words.get(1).isStatic() && words.get(1).text().startsWith("-"))) inner(words, 1, self, depth);
            }
            case "eval" -> {
                StringBuilder s = new StringBuilder();
                for (Word w : words.subList(1, words.size())) {
                    requireStatic(w, name);
                    if (!s.isEmpty()) s.append(' ');
                    s.append(w.text());
                }
                script(s.toString(), depth + 1);
                found.set(self, found.get(self).asTransparent());
            }
            case "trap" -> trap(words, depth);
            case "find" -> find(words, depth);
            case "source", "." -> throw new Unanalysable("runs a script file with '" + name + "', which the analysis cannot see");
            case "fc", "let", "enable" -> throw new Unanalysable("uses '" + name + "', which the analysis does not follow");
            case "alias" -> {
                for (Word w : words.subList(1, words.size())) {
                    if (!w.isStatic() || w.text().contains("=")) throw new Unanalysable("defines an alias, which the analysis does not follow");
                }
            }
            case "hash" -> {
                for (Word w : words.subList(1, words.size())) {
                    if (!w.isStatic() || w.text().startsWith("-") && w.text().contains("p")) {
                        throw new Unanalysable("binds a command name to another program with hash -p");
                    }
                }
            }
            case "declare", "typeset", "local", "export", "readonly" -> declare(words, name);
            case "unset", "read", "mapfile", "readarray", "wait", "getopts" -> {
                for (Word w : words.subList(1, words.size())) {
                    variableName(w, name);
                    // mapfile -C runs a callback string
                    if ((name.equals("mapfile") || name.equals("readarray")) && w.text().startsWith("-") && w.text().contains("C")) {
                        throw new Unanalysable("runs a mapfile callback, which the analysis does not follow");
                    }
                }
            }
            case "printf" -> {
                if (words.size() > 2 && words.get(1).isStatic() && words.get(1).text().equals("-v")) variableName(words.get(2), name);
            }
            case "test", "[" -> {
                for (int i = 1; i + 1 < words.size(); i++) {
                    if (words.get(i).isStatic() && words.get(i).text().equals("-v")) variableName(words.get(i + 1), name);
                }
            }
            default -> {
                if (POSIX_SHELLS.contains(name)) {
                    shell(words, self, depth);
                } else if (OTHER_SHELLS.contains(name)) {
                    throw new Unanalysable("runs " + name + ", whose language the analysis does not parse");
                } else if (RUNNERS.contains(name)) {
                    runner(words, depth);
                }
            }
        }
    }

    /** The wrapped command from index {@code i} on; the wrapper is then transparent to allow rules. */
    private void inner(List<Word> words, int i, int self, int depth) throws Unanalysable {
        if (i >= words.size()) return;
        found.set(self, found.get(self).asTransparent());
        invoke(words.subList(i, words.size()), depth + 1);
    }

    private void env(List<Word> words, int self, int depth) throws Unanalysable {
        int i = 1;
        while (i < words.size()) {
            Word w = words.get(i);
            requireStatic(w, "env");
            String s = w.text();
            if (s.equals("-") || s.equals("-i")) {
                i++;
            } else if (s.startsWith("-S") || s.startsWith("--split-string") || s.startsWith("--sp")) {
                throw new Unanalysable("runs env -S, whose split string the analysis does not follow");
            } else if (s.startsWith("-")) {
                i = Options.parse(words, i, "env", "i0v", "uC", Set.of("ignore-environment", "null", "debug", "list-signal-handling"),
                        Set.of("unset", "chdir", "default-signal", "ignore-signal", "block-signal")).next();
            } else if (w.assignmentName().isPresent() || s.indexOf('=') > 0) {
                assignment(s.substring(0, s.indexOf('=')));
                i++;
            } else {
                break;
            }
        }
        inner(words, i, self, depth);
    }

    private void nice(List<Word> words, int self, int depth) throws Unanalysable {
        int i = 1;
        if (i < words.size()) {
            requireStatic(words.get(i), "nice");
            String s = words.get(i).text();
            if (s.matches("-[0-9]+|--[0-9]+|-n[-+]?[0-9]+|--adjustment=.*|--")) {
                i++;
            } else if (s.equals("-n") || s.equals("--adjustment")) {
                if (i + 1 < words.size()) requireStatic(words.get(i + 1), "nice");
                i += 2;
            } else if (s.startsWith("-")) {
                throw new Unanalysable("passes nice an option the analysis does not know: " + s);
            }
            if (i < words.size() && i > 1 && words.get(i).isStatic() && words.get(i).text().equals("--")) i++;
        }
        inner(words, i, self, depth);
    }

    private void xargs(List<Word> words, int self, int depth) throws Unanalysable {
        Options o = Options.parse(words, 1, "xargs", "0rtpxiel", "dILnPsEaiel",
                Set.of("null", "no-run-if-empty", "verbose", "interactive", "exit", "open-tty", "show-limits", "replace"),
                Set.of("delimiter", "arg-file", "max-lines", "max-args", "max-procs", "max-chars", "eof", "process-slot-var"));
        Optional<String> replace = o.value("I").or(() -> o.value("i"));
        if (o.flags().contains("i") && replace.isEmpty()) replace = Optional.of("{}");
        if (o.longFlags().contains("replace")) replace = Optional.of(o.value("replace").orElse("{}"));
        List<Word> rest = new ArrayList<>(words.subList(Math.min(o.next(), words.size()), words.size()));
        if (replace.isPresent()) {
            String r = replace.get();
            rest.replaceAll(w -> w.text().contains(r) ? new Word(w.text(), false, w.quoted(), Optional.empty()) : w);
        }
        if (rest.isEmpty()) return;
        found.set(self, found.get(self).asTransparent());
        // the arguments xargs reads are appended: a computed tail
        rest.add(new Word("", false, false, Optional.empty()));
        invoke(rest, depth + 1);
    }

    private void sudo(List<Word> words, int self, int depth) throws Unanalysable {
        Options o = Options.parse(words, 1, "sudo", "AbEHknPS", "ugCDprtTUh",
                Set.of("askpass", "background", "preserve-env", "set-home", "reset-timestamp", "non-interactive",
                        "preserve-groups", "stdin"),
                Set.of("user", "group", "close-from", "chdir", "prompt", "role", "type", "command-timeout", "other-user", "host"));
        int i = o.next();
        while (i < words.size() && words.get(i).assignmentName().isPresent()) {
            assignment(words.get(i).assignmentName().get());
            i++;
        }
        // sudo is not transparent: running as another user needs a rule of its own
        if (i < words.size()) invoke(words.subList(i, words.size()), depth + 1);
    }

    private void shell(List<Word> words, int self, int depth) throws Unanalysable {
        String name = BashCommand.basename(words.getFirst().text());
        boolean commandString = false;
        int i = 1;
        while (i < words.size()) {
            Word w = words.get(i);
            requireStatic(w, name);
            String s = w.text();
            if (s.equals("--") || s.equals("-")) {
                i++;
                break;
            }
            if (s.equals("--norc") || s.equals("--noprofile") || s.equals("--posix") || s.equals("--noediting")
                    || s.equals("--restricted")) {
                i++;
                continue;
            }
            if (s.startsWith("--")) throw new Unanalysable("runs " + name + " " + s + ", which reads startup files or options the analysis cannot see");
            if (!(s.startsWith("-") || s.startsWith("+")) || s.length() == 1) break;
            i++;
            for (char c : s.substring(1).toCharArray()) {
                switch (c) {
                    case 'c' -> commandString = true;
                    case 'o', 'O' -> {
                        if (i >= words.size()) throw new Unanalysable("cannot be parsed: " + name + " -" + c + " needs an option name");
                        requireStatic(words.get(i), name);
                        i++;
                    }
                    case 'e', 'u', 'x', 'v', 'f', 'h', 'B', 'H', 'a', 'b', 'k', 'm', 'n', 'p', 't', 'C', 'E', 'P', 'T', 'r' -> { }
                    case 'l' -> throw new Unanalysable("runs a login shell, which reads profile files the analysis cannot see");
                    case 'i' -> throw new Unanalysable("runs an interactive shell, which reads startup files the analysis cannot see");
                    case 's' -> throw new Unanalysable("runs " + name + " -s, which reads commands from its input");
                    default -> throw new Unanalysable("runs " + name + " with an option the analysis does not know: " + s);
                }
            }
        }
        if (!commandString) {
            if (i < words.size()) throw new Unanalysable("runs a script file with " + name + ", which the analysis cannot see");
            throw new Unanalysable("runs " + name + " reading commands from its input, which the analysis cannot see");
        }
        if (i >= words.size()) throw new Unanalysable("cannot be parsed: " + name + " -c needs a command string");
        requireStatic(words.get(i), name + " -c");
        script(words.get(i).text(), depth + 1);
        found.set(self, found.get(self).asTransparent());
    }

    private void trap(List<Word> words, int depth) throws Unanalysable {
        int i = 1;
        if (i < words.size() && words.get(i).isStatic() && words.get(i).text().equals("--")) i++;
        if (i + 1 >= words.size()) return;
        Word action = words.get(i);
        requireStatic(action, "trap");
        String a = action.text();
        if (a.equals("-") || a.isEmpty() || a.startsWith("-")) return;
        script(a, depth + 1);
    }

    private void find(List<Word> words, int depth) throws Unanalysable {
        for (int i = 1; i < words.size(); i++) {
            Word w = words.get(i);
            if (!w.isStatic() || !Set.of("-exec", "-execdir", "-ok", "-okdir").contains(w.text())) continue;
            int end = i + 1;
            while (end < words.size() && !(words.get(end).isStatic() && (words.get(end).text().equals(";") || words.get(end).text().equals("+")))) end++;
            List<Word> cmd = new ArrayList<>(words.subList(i + 1, end));
            // find puts the file name wherever {} appears
            cmd.replaceAll(x -> x.text().contains("{}") ? new Word(x.text(), false, x.quoted(), Optional.empty()) : x);
            if (!cmd.isEmpty()) invoke(cmd, depth + 1);
            i = end;
        }
    }

    private void runner(List<Word> words, int depth) throws Unanalysable {
        for (int i = 1; i < words.size(); i++) {
            Word w = words.get(i);
            if (!w.isStatic() || w.text().startsWith("-") || w.text().isEmpty()) continue;
            invoke(words.subList(i, words.size()), depth + 1);
            if (w.text().matches("(?s).*[\\s;&|()<>$`].*")) script(w.text(), depth + 1);
        }
    }

    private void declare(List<Word> words, String name) throws Unanalysable {
        for (Word w : words.subList(1, words.size())) {
            if (w.assignmentName().isPresent()) {
                assignment(w.assignmentName().get());
                continue;
            }
            requireStatic(w, name);
            String s = w.text();
            if (s.startsWith("-") || s.startsWith("+")) {
                if (s.contains("i") || s.contains("n")) {
                    throw new Unanalysable("declares an integer or reference variable, whose values bash evaluates");
                }
                continue;
            }
            if (s.contains("[") || s.contains("=")) throw new Unanalysable("passes " + name + " a quoted or subscripted name, which the analysis does not follow");
            assignment(s);
        }
    }

    /** A word that a builtin uses as a variable name: a computed one, or a subscript, can run commands. */
    private void variableName(Word w, String builtin) throws Unanalysable {
        if (!w.isStatic() || w.text().contains("[")) {
            throw new Unanalysable("passes " + builtin + " a computed or subscripted name, which bash may evaluate");
        }
        if (ShellParser.isName(w.text())) assignment(w.text());
    }

    private static void requireStatic(Word w, String program) throws Unanalysable {
        if (!w.isStatic()) throw new Unanalysable("passes a computed word to " + program + ", so what it runs is unknown");
    }

    /** Options of a wrapper, parsed as getopt would, refusing any the analysis does not know. */
    private record Options(int next, Set<String> flags, Set<String> longFlags, java.util.Map<String, String> values) {
        Optional<String> value(String option) {
            return Optional.ofNullable(values.get(option));
        }

        static Options parse(List<Word> words, int from, String program, String shortFlags, String shortWithValue,
                             Set<String> longFlags, Set<String> longWithValue) throws Unanalysable {
            Set<String> flags = new java.util.HashSet<>();
            Set<String> longs = new java.util.HashSet<>();
            java.util.Map<String, String> values = new java.util.HashMap<>();
            int i = from;
            while (i < words.size()) {
                Word w = words.get(i);
                if (!w.isStatic()) throw new Unanalysable("passes a computed word to " + program + ", so what it runs is unknown");
                String s = w.text();
                if (s.equals("--")) return new Options(i + 1, flags, longs, values);
                if (s.startsWith("--")) {
                    int eq = s.indexOf('=');
                    String opt = eq < 0 ? s.substring(2) : s.substring(2, eq);
                    Optional<String> flag = unique(opt, longFlags);
                    Optional<String> valued = unique(opt, longWithValue);
                    if (valued.isPresent()) {
                        if (eq < 0) {
                            if (i + 1 >= words.size()) throw new Unanalysable("cannot be parsed: " + program + " " + s + " needs a value");
                            if (!words.get(i + 1).isStatic()) throw new Unanalysable("passes a computed word to " + program + ", so what it runs is unknown");
                            values.put(valued.get(), words.get(i + 1).text());
                            i += 2;
                        } else {
                            values.put(valued.get(), s.substring(eq + 1));
                            i++;
                        }
                    } else if (flag.isPresent()) {
                        longs.add(flag.get());
                        // an optional value (xargs --replace=R)
                        if (eq >= 0) values.put(flag.get(), s.substring(eq + 1));
                        i++;
                    } else {
                        throw new Unanalysable("passes " + program + " an option the analysis does not know: " + s);
                    }
                    continue;
                }
                if (!s.startsWith("-") || s.length() == 1) return new Options(i, flags, longs, values);
                i++;
                for (int k = 1; k < s.length(); k++) {
                    String c = String.valueOf(s.charAt(k));
                    if (shortWithValue.contains(c)) {
                        if (k + 1 < s.length()) {
                            values.put(c, s.substring(k + 1));
                        } else if (shortFlags.contains(c)) {
                            // an option whose value is optional (xargs -i, -e, -l): attached or absent
                            flags.add(c);
                        } else {
                            if (i >= words.size()) throw new Unanalysable("cannot be parsed: " + program + " -" + c + " needs a value");
                            if (!words.get(i).isStatic()) throw new Unanalysable("passes a computed word to " + program + ", so what it runs is unknown");
                            values.put(c, words.get(i).text());
                            i++;
                        }
                        break;
                    }
                    if (!shortFlags.contains(c)) throw new Unanalysable("passes " + program + " an option the analysis does not know: " + s);
                    flags.add(c);
                }
            }
            return new Options(i, flags, longs, values);
        }

        /** GNU getopt accepts any unambiguous abbreviation of a long option. */
        private static Optional<String> unique(String given, Set<String> known) {
            if (known.contains(given)) return Optional.of(given);
            List<String> hits = known.stream().filter(k -> k.startsWith(given)).toList();
            return hits.size() == 1 && !given.isEmpty() ? Optional.of(hits.getFirst()) : Optional.empty();
        }
    }
}
