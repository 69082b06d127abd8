"""Every figure builder of the app: plain arrays and tables in, a `go.Figure` out. No Streamlit.

One palette (palette.py) and one axis style (axes.py) for every chart, so a student learns the
colours once and every log axis reads the same. The modules follow the pages: forecasts (Data,
Compare), training (Train), inside (Inside), shapes (Inside's RNN shapes), sweep (Sweep),
generic (any table or matrix).
"""

from ui.charts.axes import (HEIGHT, integer_axis, log_axis, off_chart, shade_parts, styled,
                            value_range)
from ui.charts.forecasts import (forecast_chart, forecast_range, horizon_chart, predictions_chart,
                                 series_chart)
from ui.charts.generic import heatmap, lines_chart
from ui.charts.palette import COLORS, INIT_COLOR, OKABE_ITO, PART_FILL, PART_NAME, STYLES, rgba
from ui.charts.training import gradient_norm_chart, loss_chart

__all__ = ["COLORS", "HEIGHT", "INIT_COLOR", "OKABE_ITO", "PART_FILL", "PART_NAME", "STYLES",
           "forecast_chart", "forecast_range", "gradient_norm_chart", "heatmap", "horizon_chart",
           "integer_axis", "lines_chart", "log_axis", "loss_chart", "off_chart",
           "predictions_chart", "rgba", "series_chart", "shade_parts", "styled", "value_range"]
