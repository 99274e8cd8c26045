package io.cbns.core.train;

import java.util.Optional;

/**
 * How training went.
 *
 * @param epochs epochs completed
 * @param steps steps completed
 * @param trainSeconds wall time of the training steps (evaluation excluded)
 * @param totalSeconds wall time of the whole run, the earlier sessions of a resumed run included
 * @param finalEvaluation the last evaluation, if any
 * @param stopReason why training stopped ({@code completed}, {@code early-stopping}, ...)
 * @param selectedEpoch the epoch whose parameters were kept and tested: the best one on the
 *     validation split when the trainer restored it, else the last one
 */
public record TrainingSummary(
    int epochs,
    long steps,
    double trainSeconds,
    double totalSeconds,
    Optional<EvaluationInfo> finalEvaluation,
    String stopReason,
    int selectedEpoch) {}
