#pragma once

#include "lathe/compile/CompileReport.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace lathe::ui {

// What a per-layer chart plots from the compile report's linear rows.
enum class LayerMetric { SqnrIsolated, SqnrPropagated, ActivationClipRate };

// The series of the per-layer charts, one per projection type, in the order a layer runs them
// (compile::layerProjections): q_proj k_proj v_proj o_proj gate_proj up_proj down_proj, then lm_head.
const QStringList& chartProjections();
// "q", "k", …, "head": the legend's short names.
QString projectionLabel(const QString& projection);

double metricValue(const compile::LinearReport& row, LayerMetric metric);
// SQNR: higher is better; clipping: lower is better.
bool higherIsBetter(LayerMetric metric);

// The x position of a row: its layer, and `layerCount` for lm_head (drawn after the last layer).
double chartKey(const compile::LinearReport& row, int layerCount);

// The `count` rows with the worst value of `metric` (lowest SQNR, highest clipping rate), worst first; rows
// with the same value keep report order. Rows whose value is not finite (SQNR "inf": no error) never count.
std::vector<compile::LinearReport> worstRows(const std::vector<compile::LinearReport>& rows, LayerMetric metric,
                                             int count);

// The hover text of one point: layer and projection, both SQNRs in dB (4 decimals), the clipping rate in
// percent (4 significant digits), and the bits.
QString pointToolTip(const compile::LinearReport& row);
QString formatSqnr(double db);                      // "29.2301 dB", "∞ dB"
QString formatClipRate(double rate);                // "0.01068 %"
QString rowName(const compile::LinearReport& row);  // "layer 3 down_proj", "lm_head"

}  // namespace lathe::ui
