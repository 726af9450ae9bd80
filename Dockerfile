# syntax=docker/dockerfile:1
# Build with the SDK, run on the smaller ASP.NET Core runtime image as its non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig MinimalBackend.csproj ./
# ReadyToRun code is per platform: restore and publish for the image's.
ARG TARGETARCH
RUN dotnet restore MinimalBackend.csproj -a $TARGETARCH
COPY Program.cs appsettings.json ./
COPY Features/ Features/
COPY Infrastructure/ Infrastructure/
COPY Metrics/ Metrics/
# No .git in the context: the commit for minimal_backend_build_info comes as a build argument
# (compose passes GIT_COMMIT; `docker build --build-arg SOURCE_REVISION=$(git rev-parse HEAD) .`).
ARG SOURCE_REVISION=
RUN dotnet publish MinimalBackend.csproj -c Release -a $TARGETARCH -o /app --no-restore ${SOURCE_REVISION:+-p:SourceRevisionId=$SOURCE_REVISION}

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# Without an SMTP host, email is written under .data/mail; /app belongs to root, the service runs as $APP_UID.
RUN mkdir -p .data/mail && chown -R $APP_UID .data
# Inside a container the service must listen on all interfaces; compose publishes it on 127.0.0.1.
# The gen0 budget of ops/lib/runtime-settings.sh (./ops/run's), which only an environment variable sets.
ENV URLS=http://0.0.0.0:3000 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_GCgen0size=0x400000
EXPOSE 3000
USER $APP_UID
ENTRYPOINT ["dotnet", "MinimalBackend.dll"]
