"""The reference for ``benchmarks.browser``: a Streamlit page with one slider and one small figure.

Served by its own ``streamlit run`` next to the app, on the same machine and in the same run, so
each lesson's time is quoted as a ratio to this page's, which moves with the machine's load alike.
"""

import plotly.graph_objects as go
import streamlit as st

st.title("One figure")
points = st.slider("Points", 5, 50, 20)
st.plotly_chart(go.Figure(go.Scatter(x=list(range(points)), y=[(i * 7) % 11 for i in range(points)])))
