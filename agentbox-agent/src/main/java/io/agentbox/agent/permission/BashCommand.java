package io.agentbox.agent.permission;

import io.agentbox.agent.permission.ShellParser.SimpleCommand;
import io.agentbox.agent.permission.ShellParser.Unanalysable;
import io.agentbox.agent.permission.ShellParser.Word;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Bash tool command as permission rules see it: every program it can start, found by parsing it
 * as bash would ({@link ShellParser}) and by looking through what runs another program, either as
 * a wrapper ({@code command}, {@code env}, {@code exec}, {@code nohup}, {@code timeout}, {@code nice},
 * {@code xargs}, {@code sudo}, ...), as a shell string ({@code sh -c}, {@code bash -c}, {@code eval},
 * {@code trap}) or as {@code find -exec}. Program names compare by basename for deny rules, so
 * {@code /bin/rm} is {@code rm}. A command the analysis cannot follow is {@link #unanalysable()}:
 * deny rules then refuse it, allow rules never approve it.
 */
public final class BashCommand {
    /**
     * One program the command may start. {@code path} is the word that names it (empty: computed,
     * so it may be anything); an empty argument is computed too. A {@code transparent} invocation only
     * runs another one that is listed as well (a wrapper or a shell string): allow rules need not cover it.
     */
    record Invocation(Optional<String> path, List<Optional<String>> args, boolean transparent) {
        Optional<String> program() {
            return path.map(BashCommand::basename);
        }

        Invocation asTransparent() {
            return new Invocation(path, args, true);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(path.orElse("<computed>"));
            args.forEach(a -> sb.append(' ').append(a.orElse("<computed>")));
            return sb.toString();
        }
    }

    private final String command;
    private final List<Invocation> invocations;
    private final Optional<String> unanalysable;
    private final boolean changesLookup;

    private BashCommand(String command, List<Invocation> invocations, Optional<String> unanalysable, boolean changesLookup) {
        this.command = command;
        this.invocations = invocations;
        this.unanalysable = unanalysable;
        this.changesLookup = changesLookup;
    }

    public static BashCommand analyse(String command) {
        BashAnalysis a = new BashAnalysis();
        try {
            a.script(command, 0);
            return new BashCommand(command, List.copyOf(a.found), Optional.empty(), a.changesLookup);
        } catch (Unanalysable e) {
            return new BashCommand(command, List.of(), Optional.of(e.getMessage()), false);
        } catch (StackOverflowError e) {
            return new BashCommand(command, List.of(), Optional.of("nests too deeply"), false);
        }
    }

    /** Why the command is beyond the analysis, e.g. "uses eval with a computed argument". */
    public Optional<String> unanalysable() {
        return unanalysable;
    }

    List<Invocation> invocations() {
        return invocations;
    }

    /** True when the command sets a variable that changes which program a name runs (PATH, LD_PRELOAD, ...). */
    boolean changesProgramLookup() {
        return changesLookup;
    }

    /** Whether the deny rule with this specifier covers any program the command may start. */
    boolean deniedBy(String spec) {
        if (unanalysable.isPresent()) return true;
        Pattern p = pattern(spec, true);
        return invocations.stream().anyMatch(inv -> inv.path().isEmpty() || mayMatch(p, inv));
    }

    /** Whether the allow rules cover every program the command may start (each by some rule). */
    boolean allowedBy(List<String> specs) {
        if (unanalysable.isPresent() || changesLookup) return false;
        List<Pattern> patterns = specs.stream().map(s -> pattern(s, false)).toList();
        List<Invocation> checked = invocations.stream().filter(i -> !i.transparent()).toList();
        return !checked.isEmpty() && checked.stream().allMatch(inv -> inv.path().isPresent()
                && patterns.stream().anyMatch(p -> p.matcher(subject(inv.path().get(), inv.args(), "\u0000")).matches()));
    }

    @Override
    public String toString() {
        return command;
    }

    /** A deny match: could the invocation, with its computed words filled in any way, match the rule? */
    private static boolean mayMatch(Pattern p, Invocation inv) {
        StringBuilder s = new StringBuilder(inv.program().orElseThrow());
        for (Optional<String> arg : inv.args()) {
            if (arg.isEmpty()) {
                // a computed word may become nothing, one word or several: test what comes before it, open-ended
                if (p.matcher(s).matches()) return true;
                var m = p.matcher(s + " ");
                return m.matches() || m.hitEnd();
            }
            s.append(' ').append(arg.get());
        }
        return p.matcher(s).matches();
    }

    private static String subject(String program, List<Optional<String>> args, String computed) {
        StringBuilder s = new StringBuilder(program);
        args.forEach(a -> s.append(' ').append(a.orElse(computed)));
        return s.toString();
    }

    /**
     * The rule's specifier as a pattern over "program arg arg...": {@code git:*} is git alone or git
     * followed by anything, {@code *} is any text, anything else is literal. For deny rules the program
     * compares by basename.
     */
    private static Pattern pattern(String spec, boolean basenameProgram) {
        boolean prefix = spec.endsWith(":*");
        String body = (prefix ? spec.substring(0, spec.length() - 2) : spec).strip().replaceAll("\\s+", " ");
        if (basenameProgram) {
            int sp = body.indexOf(' ');
            String first = sp < 0 ? body : body.substring(0, sp);
            if (!first.contains("*")) body = basename(first) + (sp < 0 ? "" : body.substring(sp));
        }
        StringBuilder re = new StringBuilder();
        String[] pieces = body.split("\\*", -1);
        for (int i = 0; i < pieces.length; i++) {
            if (i > 0) re.append(".*");
            if (!pieces[i].isEmpty()) re.append(Pattern.quote(pieces[i]));
        }
        if (prefix) re.append("(?: .*)?");
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    static String basename(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) p = p.substring(0, p.length() - 1);
        int slash = p.lastIndexOf('/');
        return slash < 0 || p.length() == 1 ? p : p.substring(slash + 1);
    }
}
