package dev.redoubt.service.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The job repository's record of every run: job, parameters (never secrets: the source,
 * the fire, the fencing token, a backup id), status, times and outcome.
 */
@RestController
@RequestMapping("/api/job-runs")
@ConditionalOnWebApplication
@Tag(name = "job-runs", description = "Spring Batch job executions")
public class JobRunsApi {

	private final JobRepository jobRepository;

	/** The most runs one call returns: each costs the job repository a few queries. */
	static final int MAX_LIMIT = 1000;

	public JobRunsApi(JobRepository jobRepository) {
		this.jobRepository = jobRepository;
	}

	@GetMapping
	@Operation(summary = "Job runs, newest first, optionally of one source and one job")
	public List<Map<String, Object>> runs(@RequestParam(required = false) String source,
			@RequestParam(required = false) String job, @RequestParam(defaultValue = "100") int limit) {
		if (limit < 1 || limit > MAX_LIMIT) {
			throw new org.springframework.web.server.ResponseStatusException(
					org.springframework.http.HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_LIMIT);
		}
		List<JobExecution> executions = new ArrayList<>();
		for (String name : this.jobRepository.getJobNames()) {
			if (job != null && !job.equals(name)) {
				continue;
			}
			for (JobInstance instance : this.jobRepository.getJobInstances(name, 0, Math.max(1, limit))) {
				executions.addAll(this.jobRepository.getJobExecutions(instance));
			}
		}
		return executions.stream()
			.filter((execution) -> source == null || source.equals(execution.getJobParameters().getString("source")))
			.sorted(Comparator.comparing(JobExecution::getId).reversed())
			.limit(Math.max(1, limit))
			.map(JobRunsApi::describe)
			.toList();
	}

	private static Map<String, Object> describe(JobExecution execution) {
		Map<String, Object> document = new LinkedHashMap<>();
		document.put("id", execution.getId());
		document.put("job", execution.getJobInstance().getJobName());
		Map<String, Object> parameters = new LinkedHashMap<>();
		for (JobParameter<?> parameter : execution.getJobParameters()) {
			parameters.put(parameter.name(), String.valueOf(parameter.value()));
		}
		document.put("parameters", parameters);
		document.put("status", execution.getStatus().name());
		document.put("exitCode", execution.getExitStatus().getExitCode());
		String description = execution.getExitStatus().getExitDescription();
		if (description != null && !description.isEmpty()) {
			// the first line: the error, without the stack trace Spring Batch keeps
			document.put("exitDescription", description.lines().findFirst().orElse(""));
		}
		document.put("startTime", (execution.getStartTime() != null) ? execution.getStartTime().toString() : null);
		document.put("endTime", (execution.getEndTime() != null) ? execution.getEndTime().toString() : null);
		Map<String, Object> outcome = new LinkedHashMap<>();
		for (Map.Entry<String, Object> entry : execution.getExecutionContext().entrySet()) {
			outcome.put(entry.getKey(), String.valueOf(entry.getValue()));
		}
		document.put("outcome", outcome);
		return document;
	}

}
