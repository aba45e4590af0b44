package io.agentbox.server.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.server.support.Db;
import io.agentbox.server.support.Http;
import io.agentbox.server.support.Poll;
import io.agentbox.server.support.ServerTestBase;
import io.agentbox.server.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Usage reports against runs that really ran (scripted model, real sandboxes), on both databases: every
 * figure of every grouping must equal what the runs themselves report.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class UsageAnalyticsTest extends ServerTestBase {
    private TestServer.Tenant tenant;
    private final List<JsonNode> runs = new ArrayList<>();
    private String memberId;
    private String adminId;

    @BeforeParameterizedClassInvocation(injectArguments = false)
    void runSome() {
        runs.clear();
        tenant = server.tenant("usage-" + db);
        memberId = tenant.member().get("/v1/me").json().get("principalId").asText();
        adminId = tenant.admin().get("/v1/me").json().get("principalId").asText();
        List<String> ids = new ArrayList<>();
        ids.add(start(tenant.member(), "say one; cost 0.01", "claude-sonnet-4-5"));
        ids.add(start(tenant.member(), "bash echo hi; say two; cost 0.02", "claude-haiku-4-5"));
        ids.add(start(tenant.member(), "fail", "claude-haiku-4-5"));
        ids.add(start(tenant.admin(), "say three; cost 0.005", "claude-sonnet-4-5"));
        for (String id : ids) {
            runs.add(Poll.until(Duration.ofSeconds(60), () -> tenant.owner().get("/v1/runs/" + id).json(),
                    r -> Set.of("succeeded", "failed", "canceled").contains(r.get("status").asText()), "run " + id + " ends"));
        }
        // Another workspace's runs must not count.
        start(server.owner(), "say elsewhere; cost 0.5", "claude-sonnet-4-5", server.defaultWorkspace());
    }

    private String start(Http http, String prompt, String model) {
        return start(http, prompt, model, tenant.workspaceId());
    }

    private String start(Http http, String prompt, String model, String workspaceId) {
        var r = http.post("/v1/runs", Map.of("prompt", prompt, "model", model, "workspaceId", workspaceId));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    private JsonNode usage(Http http, String query) {
        var r = http.get("/v1/analytics/usage?workspaceId=" + tenant.workspaceId() + query);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static Map<String, JsonNode> byKey(JsonNode report) {
        Map<String, JsonNode> out = new HashMap<>();
        report.get("data").forEach(g -> out.put(g.get("key").asText(), g));
        return out;
    }

    /** Asserts that a group's figures are the sums of these runs. */
    private static void assertSums(JsonNode group, List<JsonNode> of) {
        assertThat(group.get("runs").asLong()).isEqualTo(of.size());
        assertThat(group.get("succeeded").asLong()).isEqualTo(of.stream().filter(r -> r.get("status").asText().equals("succeeded")).count());
        assertThat(group.get("failed").asLong()).isEqualTo(of.stream().filter(r -> r.get("status").asText().equals("failed")).count());
        assertThat(group.at("/tokens/input").asLong()).isEqualTo(of.stream().mapToLong(r -> r.at("/usage/inputTokens").asLong()).sum());
        assertThat(group.at("/tokens/output").asLong()).isEqualTo(of.stream().mapToLong(r -> r.at("/usage/outputTokens").asLong()).sum());
        assertThat(group.at("/costUsd/model").asDouble()).isCloseTo(of.stream().mapToDouble(r -> r.at("/cost/model").asDouble()).sum(), within(1e-9));
        assertThat(group.at("/costUsd/sandbox").asDouble()).isCloseTo(of.stream().mapToDouble(r -> r.at("/cost/sandbox").asDouble()).sum(), within(1e-9));
        assertThat(group.at("/costUsd/total").asDouble()).isCloseTo(of.stream().mapToDouble(r -> r.at("/cost/total").asDouble()).sum(), within(1e-9));
        long[] durations = of.stream().filter(r -> r.hasNonNull("durationMs")).mapToLong(r -> r.get("durationMs").asLong()).sorted().toArray();
        assertThat(group.at("/durationMs/p50").asLong()).isEqualTo(nearestRank(durations, 50));
        assertThat(group.at("/durationMs/p95").asLong()).isEqualTo(nearestRank(durations, 95));
    }

    private static long nearestRank(long[] sorted, int p) {
        return sorted[(int) Math.ceil(p / 100.0 * sorted.length) - 1];
    }

    @Test
    void byModelTheFiguresAreTheSumsOfTheRuns() {
        JsonNode report = usage(tenant.viewer(), "&groupBy=model");
        assertThat(report.get("groupBy").asText()).isEqualTo("model");
        Map<String, JsonNode> groups = byKey(report);
        assertThat(groups.keySet()).containsExactlyInAnyOrder("claude-sonnet-4-5", "claude-haiku-4-5");
        assertSums(groups.get("claude-sonnet-4-5"), runs.stream().filter(r -> r.get("model").asText().equals("claude-sonnet-4-5")).toList());
        assertSums(groups.get("claude-haiku-4-5"), runs.stream().filter(r -> r.get("model").asText().equals("claude-haiku-4-5")).toList());
        assertThat(groups.get("claude-haiku-4-5").at("/errors/api_error").asLong()).isEqualTo(1);
        assertThat(groups.get("claude-sonnet-4-5").get("errors").size()).isZero();
        assertSums(report.get("totals"), runs);
        assertThat(report.at("/totals/costUsd/model").asDouble()).as("the other workspace's $0.50 run is not counted").isLessThan(0.1);
    }

    @Test
    void byPrincipalNamesWhoStartedTheRuns() {
        Map<String, JsonNode> groups = byKey(usage(tenant.member(), "&groupBy=principal"));
        assertThat(groups.keySet()).containsExactlyInAnyOrder(memberId, adminId);
        assertSums(groups.get(memberId), runs.subList(0, 3));
        assertSums(groups.get(adminId), runs.subList(3, 4));
        assertThat(groups.get(adminId).get("name").asText()).isEqualTo("admin key");
    }

    @Test
    void byDayEveryDayOfTheWindowIsAGroupAndTodayHasTheRuns() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        JsonNode report = usage(tenant.member(), "&groupBy=day&from=" + today.minusDays(6) + "&to=" + today);
        List<String> days = new ArrayList<>();
        report.get("data").forEach(g -> days.add(g.get("key").asText()));
        assertThat(days).hasSize(7).first().isEqualTo(today.minusDays(6).toString());
        assertThat(days).last().isEqualTo(today.toString());
        assertSums(byKey(report).get(today.toString()), runs);
        assertThat(byKey(report).get(today.minusDays(1).toString()).get("runs").asLong()).isZero();
        assertThat(byKey(report).get(today.minusDays(1).toString()).at("/durationMs/p50").isNull()).isTrue();
        assertThat(report.get("from").asText()).isEqualTo(today.minusDays(6) + "T00:00:00Z");
        assertThat(report.get("to").asText()).isEqualTo(today.plusDays(1) + "T00:00:00Z");
    }

    @Test
    void byTemplateAndAWindowWithoutRuns() {
        Map<String, JsonNode> groups = byKey(usage(tenant.member(), "&groupBy=template"));
        assertThat(groups).hasSize(1);
        assertSums(groups.values().iterator().next(), runs);
        JsonNode past = usage(tenant.member(), "&groupBy=template&from=2020-01-01&to=2020-01-31");
        assertThat(past.get("data").size()).isZero();
        assertThat(past.at("/totals/runs").asLong()).isZero();
    }

    @Test
    void outsidersGet404AndBadParametersA400NamingTheField() {
        var other = server.tenant("usage-outsider-" + db);
        var r = other.member().get("/v1/analytics/usage?workspaceId=" + tenant.workspaceId());
        assertThat(r.status()).isEqualTo(404);
        assertThat(tenant.member().anonymous().get("/v1/analytics/usage").status()).isEqualTo(401);
        for (String bad : List.of("groupBy=week", "from=yesterday", "from=2026-02-01&to=2026-01-01", "from=2020-01-01&to=2026-01-01")) {
            var res = tenant.member().get("/v1/analytics/usage?" + bad);
            assertThat(res.status()).as(bad).isEqualTo(400);
            String field = bad.startsWith("groupBy") ? "groupBy" : "from";
            assertThat(res.json().at("/error/message").asText()).as(bad).contains(field);
        }
    }

    @Test
    void theReportIsInTheOpenApiDocument() {
        JsonNode doc = server.anonymous().get("/openapi.json").json();
        assertThat(doc.at("/paths/~1v1~1analytics~1usage/get/operationId").asText()).isEqualTo("getUsage");
        assertThat(Arrays.asList(doc.at("/components/schemas/UsageReport/required").toString().split(",")))
                .anyMatch(s -> s.contains("totals"));
    }
}
