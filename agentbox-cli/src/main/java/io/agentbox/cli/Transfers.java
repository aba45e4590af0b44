package io.agentbox.cli;

import io.agentbox.agent.model.AnthropicModelClient;
import io.agentbox.sandbox.Filesystem;
import io.agentbox.sandbox.transfer.Download;
import io.agentbox.sandbox.transfer.TransferReport;
import io.agentbox.sandbox.transfer.Upload;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Uploads and downloads of {@code sandbox cp} and {@code run --upload/--download}, with what they
 * left out said on stderr. The model key (from the environment or ./.env) is what an upload refuses to carry.
 */
public final class Transfers {
    private Transfers() {}

    public static TransferReport upload(Path host, Filesystem files, String target, boolean all, PrintWriter err) {
        Upload.Builder builder = Upload.builder().includeSecrets(all);
        AnthropicModelClient.credentialsFromEnvironment().forEach((name, value) -> builder.refuseContaining(name, Optional.of(value)));
        Upload upload = builder.build();
        TransferReport report = upload.copy(host, files, target);
        if (!report.skipped().isEmpty()) {
            String list = paths(report);
            err.println(all
                    ? "agentbox: --upload-all: uploading secret files too: " + list
                    : "agentbox: not uploaded (secret files; --upload-all to include them): " + list);
            err.flush();
        }
        return report;
    }

    public static TransferReport download(Filesystem files, String source, Path host, Download download, boolean all, PrintWriter err) {
        TransferReport report = download.copy(files, source, host);
        if (!report.skipped().isEmpty()) {
            err.println(all
                    ? "agentbox: --download-all: writing files that can run code on this host too: " + paths(report)
                    : "agentbox: not downloaded (they could run code on this host; --download-all to include them): " + paths(report));
        }
        report.stopped().ifPresent(s -> err.println("agentbox: download incomplete: " + s
                + " (--max-download-bytes, --max-download-files); " + report.files() + " entries, " + report.bytes() + " bytes written"));
        err.flush();
        return report;
    }

    private static String paths(TransferReport report) {
        return report.skipped().stream().map(TransferReport.Skipped::path).distinct().collect(Collectors.joining(", "));
    }
}
