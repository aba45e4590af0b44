package io.agentbox.agent.permission;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A permission rule in Claude Code's syntax: {@code WebFetch}, {@code Bash(npm run test)},
 * {@code Bash(git:*)} (prefix), {@code Bash(npm run *)} (wildcard), {@code Edit(src/**)},
 * {@code Read(./docs/**)}, {@code Read(/etc/**)}, {@code WebFetch(domain:example.com)}.
 * Path rules of {@code Edit} also cover Write and MultiEdit, those of {@code Read} also Glob, Grep and LS;
 * relative path patterns are relative to the agent's working directory. Bash rules match the programs a
 * command starts as {@link BashCommand} finds them, not its text.
 * MCP tools ({@code mcp__<server>__<tool>}) match by name: {@code mcp__memory__create_entities} one tool,
 * {@code mcp__github} or {@code mcp__github__*} every tool of that server; a name may end in {@code *}.
 */
public record ToolRule(String toolName, Optional<String> specifier) {
    private static final Pattern SYNTAX = Pattern.compile("([A-Za-z_][A-Za-z0-9_.-]*\\*?)(?:\\((.*)\\))?", Pattern.DOTALL);
    private static final Set<String> EDIT_TOOLS = Set.of("Edit", "Write", "MultiEdit");
    private static final Set<String> READ_TOOLS = Set.of("Read", "Glob", "Grep", "LS");

    public static ToolRule parse(String rule) {
        var m = SYNTAX.matcher(rule.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid tool rule '" + rule + "' (expected Tool or Tool(specifier), e.g. Bash(git:*))");
        }
        String spec = m.group(2);
        if (spec != null && spec.isBlank()) spec = null;
        return new ToolRule(m.group(1), Optional.ofNullable(spec).map(String::strip));
    }

    /** Parses a list as given on a command line: comma- or space-separated, parentheses kept whole. */
    public static List<ToolRule> parseList(String rules) {
        List<String> parts = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        for (char c : rules.toCharArray()) {
            if (c == '(') depth++;
            if (c == ')') depth = Math.max(0, depth - 1);
            if (depth == 0 && (c == ',' || Character.isWhitespace(c))) {
                if (!cur.isEmpty()) parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) parts.add(cur.toString());
        return parts.stream().map(ToolRule::parse).toList();
    }

    /** True for a rule without specifier: it covers every call of the tool. */
    public boolean coversWholeTool() {
        return specifier.isEmpty();
    }

    /**
     * Whether the rule covers a call.
     *
     * @param subject the call's rule subject (command, path or URL), see {@code Tool.ruleSubject}
     * @param workdir the agent's working directory, against which relative patterns and paths resolve
     * @param all     true for an allow rule (a Bash rule must cover every program the command may start),
     *                false for a deny rule (a Bash rule covers a command if it covers any program the command may
     *                start, and every command that {@link BashCommand} cannot analyse)
     */
    public boolean matches(String tool, Optional<String> subject, String workdir, boolean all) {
        if (specifier.isEmpty()) return matchesName(tool);
        String spec = specifier.get();
        if (toolName.equals("Bash") && tool.equals("Bash")) return subject.map(c -> matchesCommand(spec, c, all)).orElse(false);
        if (toolName.equals("WebFetch") && tool.equals("WebFetch")) return subject.map(u -> matchesUrl(spec, u)).orElse(false);
        boolean pathTool = toolName.equals(tool)
                || toolName.equals("Edit") && EDIT_TOOLS.contains(tool)
                || toolName.equals("Read") && READ_TOOLS.contains(tool);
        if (!pathTool) return false;
        return subject.map(p -> globToRegex(absolute(spec, workdir)).matcher(normalize(absolute(p, workdir))).matches()).orElse(false);
    }

    @Override
    public String toString() {
        return specifier.map(s -> toolName + "(" + s + ")").orElse(toolName);
    }

    /** A plain rule: the tool's name, a name prefix ending in {@code *}, or a whole MCP server ({@code mcp__<server>}). */
    private boolean matchesName(String tool) {
        if (toolName.equals(tool)) return true;
        if (toolName.endsWith("*")) return tool.startsWith(toolName.substring(0, toolName.length() - 1));
        return toolName.startsWith("mcp__") && toolName.indexOf("__", 5) < 0 && tool.startsWith(toolName + "__");
    }

    private static boolean matchesCommand(String spec, String command, boolean all) {
        BashCommand c = BashCommand.analyse(command);
        return all ? c.allowedBy(List.of(spec)) : c.deniedBy(spec);
    }

    /**
     * Whether allow rules approve a call: for Bash, every program the command may start must be
     * covered by some rule (a compound command is allowed only if each part is); for other tools one
     * rule must cover the call.
     */
    public static boolean allowAll(List<ToolRule> rules, String tool, Optional<String> subject, String workdir) {
        if (!tool.equals("Bash") || subject.isEmpty()) return rules.stream().anyMatch(r -> r.matches(tool, subject, workdir, true));
        if (rules.stream().anyMatch(r -> r.toolName.equals("Bash") && r.coversWholeTool())) return true;
        List<String> specs = rules.stream().filter(r -> r.toolName.equals("Bash")).flatMap(r -> r.specifier.stream()).toList();
        return !specs.isEmpty() && BashCommand.analyse(subject.get()).allowedBy(specs);
    }

    private static boolean matchesUrl(String spec, String url) {
        if (!spec.startsWith("domain:")) return url.equals(spec);
        String domain = spec.substring("domain:".length()).toLowerCase(Locale.ROOT);
        try {
            String host = URI.create(url).getHost();
            if (host == null) return false;
            host = host.toLowerCase(Locale.ROOT);
            return host.equals(domain) || host.endsWith("." + domain);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String absolute(String path, String workdir) {
        if (path.startsWith("//")) return path.substring(1);
        if (path.startsWith("/")) return path;
        String p = path.startsWith("./") ? path.substring(2) : path;
        return (workdir.endsWith("/") ? workdir : workdir + "/") + p;
    }

    private static String normalize(String path) {
        java.util.Deque<String> out = new java.util.ArrayDeque<>();
        for (String seg : path.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) continue;
            if (seg.equals("..")) {
                out.pollLast();
            } else {
                out.addLast(seg);
            }
        }
        return "/" + String.join("/", out);
    }

    /** gitignore-style: {@code **} spans directories, {@code *} and {@code ?} stay within one; a directory covers what is inside. */
    private static Pattern globToRegex(String glob) {
        String g = normalizeKeepingGlobs(glob);
        // "dir/**" covers the directory itself too (a search of it reads what is inside)
        if (g.endsWith("/**") && g.length() > 3) g = g.substring(0, g.length() - 3);
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            if (c == '*' && i + 1 < g.length() && g.charAt(i + 1) == '*') {
                boolean slashAfter = i + 2 < g.length() && g.charAt(i + 2) == '/';
                re.append(slashAfter ? "(?:.*/)?" : ".*");
                i += slashAfter ? 2 : 1;
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        re.append("(?:/.*)?");
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    private static String normalizeKeepingGlobs(String glob) {
        String n = normalize(glob);
        return glob.endsWith("/") && !n.equals("/") ? n + "/" : n;
    }
}
