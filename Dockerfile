# ScaleScope, CPU image. Build:   docker build -t scalescope .
# A CUDA image: docker build --build-arg BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 ...
# (any base with Python 3.11 works). TORCH_INDEX may name a wheel index that serves the CPU-only
# build of torch 2.13.0 (much smaller than the default wheel, which bundles CUDA libraries).
ARG BASE=python:3.11-slim
FROM ${BASE}

ARG TORCH_INDEX=""
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 scalescope
WORKDIR /app

COPY requirements.txt .
RUN if [ -n "$TORCH_INDEX" ]; then pip install torch==2.13.0 --index-url "$TORCH_INDEX"; fi \
 && pip install -r requirements.txt

COPY --chown=scalescope:scalescope app.py ./
COPY --chown=scalescope:scalescope app_pages ./app_pages
COPY --chown=scalescope:scalescope core ./core
COPY --chown=scalescope:scalescope ui ./ui
COPY --chown=scalescope:scalescope assets ./assets
COPY --chown=scalescope:scalescope .streamlit ./.streamlit

USER scalescope
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
